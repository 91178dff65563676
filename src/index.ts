/**
 * @module
 * ModelScout's public library API. The CLI (`cli/`) and the routing server (`server/`) are
 * thin shells over what is exported here.
 */

export {
  type AgentTool,
  AgentTools,
  type AgentToolsOptions,
  type ToolAnswer,
  type ToolCall,
  type ToolProgress,
} from "./agent/agent-tools.js";
export { createEchoBackend } from "./backends/builtin/echo-backend.js";
export { createHashedNgramEmbeddingBackend } from "./backends/builtin/hashed-ngram-embedding-backend.js";
export { createBackend, findBackendProvider } from "./backends/create-backend.js";
export { endpointModelRecord } from "./backends/http/endpoint-model-record.js";
export { createHfInferenceBackend } from "./backends/http/hf-inference-backend.js";
export {
  createHttpBackendProvider,
  httpBackendProvider,
} from "./backends/http/http-backend-provider.js";
export { createOpenAICompatibleBackend } from "./backends/http/openai-compatible-backend.js";
export { isolatedProvider } from "./backends/isolated/isolated-provider.js";
export {
  type ArtifactFile,
  modelArtifactSchema,
  type PackageVersion,
} from "./backends/model-artifact.js";
export * from "./backends/model-backend.js";
export { npmBackendProvider } from "./backends/npm/npm-backend-provider.js";
export {
  createTransformersBackend,
  type TransformersBackendOptions,
} from "./backends/transformers-js/transformers-backend.js";
export {
  createTransformersBackendProvider,
  transformersBackendProvider,
} from "./backends/transformers-js/transformers-backend-provider.js";
export { transformersVariants } from "./backends/transformers-js/transformers-variants.js";
export type * from "./catalog/catalog-store.js";
export { languageName, normaliseLanguage } from "./catalog/languages.js";
export { measuredLatency } from "./catalog/measured-latency.js";
export * from "./catalog/model-record.js";
export {
  type CatalogLocation,
  catalogDatabasePath,
  catalogLocation,
  type OpenCatalogOptions,
  openCatalog,
} from "./catalog/open-catalog.js";
export {
  openPostgresStore,
  type PostgresStoreOptions,
} from "./catalog/postgres/postgres-store.js";
export {
  type CatalogSearchHit,
  type CatalogSearchOptions,
  type CatalogSearchResult,
  catalogSearchOptionsSchema,
  searchCatalog,
} from "./catalog/search-catalog.js";
export {
  bundledSnapshotPath,
  ensureSnapshotLoaded,
  readSnapshot,
} from "./catalog/snapshot/load-snapshot.js";
export {
  isLocalModelId,
  type LocalModelRecordOptions,
  localModelRecord,
  localModelRecordForId,
  resolveLocalModelId,
} from "./catalog/sources/local-models.js";
export { NPM_MODELS } from "./catalog/sources/npm-models.js";
export { openSqliteStore, type SqliteStoreOptions } from "./catalog/sqlite/sqlite-store.js";
export {
  type FinishedSync,
  listSyncStates,
  type SyncCatalogOptions,
  type SyncEvent,
  type SyncState,
  type SyncSummary,
  syncCatalog,
} from "./catalog/sync-catalog.js";
export { ensureModelscoutHome, modelscoutHome } from "./config/modelscout-home.js";
export { ModelScoutError, type ModelScoutErrorCode } from "./errors/modelscout-error.js";
export {
  estimateLatencyMs,
  hardwareLatency,
  latencyCoefficients,
} from "./hardware/estimate-latency.js";
export { localMachineProfile } from "./hardware/local-machine-profile.js";
export { fitsByDtype, MEMORY_OVERHEAD_FACTOR, memoryFit } from "./hardware/memory-fit.js";
export {
  type HardwareProfile,
  listHardwareProfiles,
  resolveHardware,
} from "./hardware/resolve-hardware.js";
export {
  type FetchedHubModel,
  type FetchHubModelOptions,
  fetchHubModel,
} from "./hub/fetch-hub-model.js";
export { hubEndpoint, hubToken } from "./hub/hub-endpoint.js";
export { type ListModelsOptions, listModels } from "./hub/list-models.js";
export { mapHubModel } from "./hub/map-hub-model.js";
export { startMirrorServer } from "./mirror/start-mirror-server.js";
export {
  type Alert,
  type AlertEngine,
  type AlertEngineOptions,
  type AlertLogEntry,
  createAlertEngine,
  type WebhookDeliveryReport,
} from "./monitor/alert-engine.js";
export {
  type AlertAction,
  type AlertCondition,
  type AlertRule,
  type AlertRulesFile,
  alertRuleSchema,
  alertRulesFileSchema,
  alertRulesJsonSchema,
  parseAlertRules,
} from "./monitor/alert-rules.js";
export { exampleAlertRules } from "./monitor/example-alert-rules.js";
export {
  type Counter,
  type Gauge,
  type Histogram,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "./monitor/metrics/metrics-registry.js";
export {
  createModelscoutMetrics,
  type ModelscoutMetrics,
  type ModelscoutMetricsOptions,
} from "./monitor/metrics/modelscout-metrics.js";
export {
  type AlertSubject,
  type DecisionEvent,
  decisionEvent,
  type FeedbackEvent,
  type MonitorEvent,
  type RequestEvent,
} from "./monitor/monitor-event.js";
export { MONITORING_MIGRATIONS, migrateMonitoring } from "./monitor/monitoring-migrations.js";
export {
  createReviewQueue,
  type OpenReviewItemInput,
  type ProposedAction,
  type ReviewAuditEntry,
  type ReviewDecision,
  type ReviewItem,
  type ReviewListFilter,
  type ReviewQueue,
  type ReviewQueueOptions,
  type ReviewStatus,
} from "./monitor/review-queue.js";
export type { RouteSwitch, RoutingChange, RoutingControl } from "./monitor/routing-control.js";
export {
  type PersonalDataSpan,
  REDACTION_PLACEHOLDERS,
  REDACTION_TYPES,
  type RedactionType,
} from "./privacy/personal-data-detectors.js";
export {
  createPrefixRedactor,
  createRedactor,
  createTextRedactor,
  findPersonalData,
  PREFIX_MARGIN,
  type RedactionResult,
  type Redactor,
  redactJson,
  redactPersonalData,
} from "./privacy/redact-personal-data.js";
export {
  parseRedactionConfig,
  type RedactionConfig,
  redactionConfigJsonSchema,
  redactionConfigSchema,
} from "./privacy/redaction-config.js";
export { type ModelProfile, profileModel } from "./profile/profile-model.js";
export { recordProfile } from "./profile/record-profile.js";
export { CUSTOMER_SERVICE_ROUTES } from "./route/bundled/customer-service-routes.js";
export { CircuitBreaker } from "./route/circuit-breaker.js";
export type {
  DemotionEvidence,
  LearningDecision,
} from "./route/learning/learning-decision.js";
export {
  defaultRoutingPolicies,
  type ReplayRoutingOptions,
  type RoutingStream,
  replayRouting,
  routingStreams,
  type StreamReplayResult,
  withPrices,
} from "./route/learning/replay-routing.js";
export {
  parseThompsonLearnerConfig,
  type ThompsonLearnerConfig,
  type ThompsonLearnerConfigInput,
  thompsonLearnerConfigSchema,
} from "./route/learning/thompson-learner-config.js";
export {
  ThompsonRouteLearner,
  type ThompsonRouteLearnerOptions,
} from "./route/learning/thompson-route-learner.js";
export { readRoutesConfig } from "./route/read-routes-config.js";
export type {
  ChooseContext,
  ModelStanding,
  RouteChoice,
  RouteLearner,
  RouteOutcome,
} from "./route/route-learner.js";
export {
  createRouter,
  type RouteRequest,
  type RouteResult,
  Router,
  type RouterOptions,
} from "./route/router.js";
export {
  parseRoutesConfig,
  type RoutesConfig,
  type RoutesConfigInput,
  routesConfigJsonSchema,
} from "./route/routes-config.js";
export type { RoutingDecision } from "./route/routing-decision.js";
export { ROUTING_MIGRATIONS, RoutingStore } from "./route/routing-store.js";
export type {
  CandidateOutcome,
  CandidateStatus,
  DecisionStatus,
  FilterStep,
  SelectionDecision,
} from "./select/decision.js";
export { DecisionStore, type DecisionSummary } from "./select/decision-store.js";
export {
  agreementProxy,
  type CandidateAgreement,
  itemAgreement,
} from "./select/metrics/agreement-proxy.js";
export { bootstrapCi, bootstrapMeanCi } from "./select/metrics/bootstrap-ci.js";
export {
  type ClassificationMetrics,
  classificationMetrics,
  type LabelMapping,
  topLabel,
} from "./select/metrics/classification-metrics.js";
export {
  agreementMetrics,
  type CandidateMetrics,
  computeMetrics,
} from "./select/metrics/compute-metrics.js";
export {
  cosineSimilarity,
  type EmbeddingMetrics,
  embeddingMetrics,
} from "./select/metrics/embedding-metrics.js";
export {
  characterErrorRate,
  type ErrorRateMetrics,
  errorRateMetrics,
  rateQuality,
  wordErrorRate,
} from "./select/metrics/error-rate-metrics.js";
export { type ItemOutcomeInput, itemOutcome } from "./select/metrics/item-outcome.js";
export {
  defaultMetricFor,
  METRIC_NAMES,
  METRICS,
  type MetricInfo,
  type MetricName,
  metricQuality,
  metricsForTask,
  resolveMetric,
} from "./select/metrics/metric-registry.js";
export { proportionCi } from "./select/metrics/proportion-ci.js";
export {
  exactMatch,
  type TextMatchMetrics,
  textMatchMetrics,
  tokenF1,
} from "./select/metrics/text-match-metrics.js";
export { readTaskSpecFile, type TaskSpecFile } from "./select/read-task-spec.js";
export {
  renderDecisionReport,
  renderDecisionText,
} from "./select/report/render-decision-report.js";
export { renderSelectionPlan } from "./select/report/render-selection-plan.js";
export { selectionJson } from "./select/report/selection-json.js";
export {
  type RequestToSpecLlmOptions,
  type RequestToSpecResult,
  requestToSpec,
  requestToSpecWithLlm,
} from "./select/request-to-spec.js";
export {
  type PlannedCandidate,
  planSelection,
  type RunSelectionOptions,
  runSelection,
  type SelectionPlan,
  type SelectionProgress,
} from "./select/run-selection.js";
export { paretoFront, scoreCandidates } from "./select/score-candidates.js";
export {
  type SelectionInput,
  type SelectionInputOptions,
  selectionInput,
} from "./select/selection-input.js";
export { SelectionResources, type SelectionRunSettings } from "./select/selection-resources.js";
export {
  parseTaskSpec,
  type TaskSpec,
  type TaskSpecInput,
  taskSpecJsonSchema,
} from "./select/task-spec.js";
export {
  type AdminAccess,
  createAdminAccess,
  isLoopbackHost,
  resolveAdminToken,
} from "./server/admin/admin-access.js";
export {
  type AdminExtension,
  type AdminExtensionOptions,
  createAdminExtension,
} from "./server/admin/admin-extension.js";
export { readAlertRulesFile } from "./server/admin/read-alert-rules-file.js";
export {
  createServerMonitoring,
  type ServerMonitoring,
  type ServerMonitoringOptions,
} from "./server/admin/server-monitoring.js";
export {
  createRoutingApp,
  keepText,
  type RedactContext,
  type RedactText,
  type RoutingObserver,
  redactPersonalText,
} from "./server/create-routing-app.js";
export {
  type RoutingReload,
  type RoutingServer,
  type RoutingServerExtension,
  type RoutingServerOptions,
  type RoutingServerParts,
  startRoutingServer,
} from "./server/start-routing-server.js";
export { migrateComponent, openStateDatabase } from "./state/state-database.js";
export { compatibleTasks, resolveTask, TASK_IDS, type TaskId } from "./tasks/resolve-task.js";
export { VERSION } from "./version.js";
