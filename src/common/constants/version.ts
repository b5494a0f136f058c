/** This release, as package.json says (a unit test keeps the two equal). */
export const PRODUCT_VERSION = '0.1.0';

/** The RocketMQ version we speak as, as its MQVersion ordinal (V5_3_3), announced on the wire. */
export const MQ_VERSION_ORDINAL = 479;
