/*
 * How often the host takes this machine's virtual CPUs away (issue 5's benchmarks): one
 * thread per CPU, pinned to it, reads the monotonic clock in a tight loop for the given
 * seconds and counts the gaps between two reads. A gap is time the thread did not run: the
 * host ran something else (steal that this hypervisor may not report in /proc/stat), or
 * the guest's own interrupts. Prints one JSON line:
 *   {"seconds":S,"cpus":[{"cpu":0,"over100us":N,"over1ms":N,"maxMs":X,"lostMs":X},...]}
 * where lostMs sums the gaps over 0.1 ms.
 *
 *   cc -O2 -pthread -o cpu-gaps cpu-gaps.c && ./cpu-gaps 2
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct probe {
  int cpu;
  double seconds;
  long over100us;
  long over1ms;
  double maxMs;
  double lostMs;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *run(void *arg) {
  struct probe *probe = arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(probe->cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  double start = now_ms(), last = start;
  for (;;) {
    double at = now_ms(), gap = at - last;
    if (gap > 0.1) {
      probe->over100us += 1;
      probe->lostMs += gap;
      if (gap > 1) probe->over1ms += 1;
    }
    if (gap > probe->maxMs) probe->maxMs = gap;
    last = at;
    if (at - start >= probe->seconds * 1e3) break;
  }
  return NULL;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1) cpus = 1;
  struct probe *probes = calloc(cpus, sizeof *probes);
  pthread_t *threads = calloc(cpus, sizeof *threads);
  for (long i = 0; i < cpus; i++) {
    probes[i].cpu = (int)i;
    probes[i].seconds = seconds;
    pthread_create(&threads[i], NULL, run, &probes[i]);
  }
  for (long i = 0; i < cpus; i++) pthread_join(threads[i], NULL);
  printf("{\"seconds\":%g,\"cpus\":[", seconds);
  for (long i = 0; i < cpus; i++) {
    printf("%s{\"cpu\":%d,\"over100us\":%ld,\"over1ms\":%ld,\"maxMs\":%.3f,\"lostMs\":%.3f}",
           i == 0 ? "" : ",", probes[i].cpu, probes[i].over100us, probes[i].over1ms,
           probes[i].maxMs, probes[i].lostMs);
  }
  printf("]}\n");
  return 0;
}
