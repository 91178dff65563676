/**
 * @module
 * Chinese example utterances and keywords for the bundled customer-service routes, written
 * for ModelScout (Apache-2.0, like the code): short customer questions an online shop or a
 * food-delivery service receives. They are not taken from the zh-reviews data, which has no
 * licence and must not ship.
 *
 * The English Universal Sentence Encoder cannot read Chinese (it gives every Chinese sentence
 * the same vector), so Chinese requests are routed by keywords first and then by nearest
 * neighbour over these examples with the `hashed-ngrams` lexical embedding.
 */

export const CHINESE_EXAMPLES: Record<string, string[]> = {
  delivery: [
    "我的快递到哪里了",
    "包裹什么时候能到",
    "订单显示已发货但是一直没收到",
    "能帮我查一下物流吗",
    "为什么还没有派送",
    "可以改收货地址吗",
    "快递员什么时候上门",
    "我的订单发货了吗",
    "物流信息好几天没更新了",
    "能不能加急配送",
    "外卖怎么还没送到",
    "骑手到哪了",
  ],
  complaint: [
    "收到的东西是坏的，我要退款",
    "商品有质量问题怎么退货",
    "我要投诉你们的客服",
    "衣服洗了一次就掉色了",
    "买的耳机没声音，能换一个吗",
    "东西和图片完全不一样",
    "退款申请三天了还没处理",
    "包装破损，里面的杯子碎了",
    "少发了一件商品",
    "收到的是假货",
    "售后一直不回复",
    "饭菜是凉的，味道也不对",
  ],
  product: [
    "这款手机支持无线充电吗",
    "这个面霜适合敏感肌吗",
    "尺码偏大还是偏小",
    "这件衣服是什么材质的",
    "保质期有多久",
    "这个零食热量高吗",
    "有没有其他颜色",
    "电池续航多长时间",
    "能不能用洗碗机洗",
    "这个产品的配料表有哪些",
    "适合几岁的孩子用",
    "和上一代有什么区别",
  ],
};

/** Keywords that name a route outright (after-sales words first: a damaged parcel is a complaint). */
export const CHINESE_KEYWORDS: Record<string, string[]> = {
  complaint: [
    "退款",
    "退货",
    "退掉",
    "换货",
    "投诉",
    "售后",
    "破损",
    "质量问题",
    "假货",
    "差评",
    "坏了",
  ],
  delivery: ["快递", "物流", "包裹", "发货", "配送", "派送", "运单", "签收", "骑手", "送到"],
  product: ["保质期", "配料", "成分", "热量", "卡路里", "尺码", "材质", "规格", "说明书"],
};
