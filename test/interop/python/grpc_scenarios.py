"""Drives RocketMQ's own Python gRPC client (rocketmq-python-client from PyPI, unmodified)
through one scenario against a gRPC endpoint, printing one JSON object per line on stdout for
the TypeScript test to check.

Usage: grpc_scenarios.py <scenario> <endpoint> <topic> <group> <count>

Every wait is bounded; a scenario that cannot finish prints {"error": ...} and exits 1.
"""

import json
import sys
import time
import traceback

from rocketmq import (ClientConfiguration, Credentials, FilterExpression,
                      Message, Producer, SimpleConsumer)
from rocketmq.v5.util import Misc

WAIT_S = 30


def out(**fields):
    print(json.dumps(fields), flush=True)


def config(endpoint):
    return ClientConfiguration(endpoint, Credentials(), request_timeout=5)


def normal(endpoint, topic, group, count):
    """count NORMAL messages with tags, keys and properties; a SimpleConsumer receives and acks
    each, then receives once more to show nothing comes again."""
    # What the client sends as each message's born_host, for the test to find on delivery.
    out(clientHost=Misc.get_local_ip())
    consumer = SimpleConsumer(
        config(endpoint), group, {topic: FilterExpression("*")}, await_duration=2
    )
    consumer.startup()
    producer = Producer(config(endpoint), (topic,))
    producer.startup()
    try:
        for i in range(count):
            m = Message()
            m.topic = topic
            m.body = f"normal-{i}".encode()
            m.tag = "TagA" if i % 2 == 0 else "TagB"
            # The keys setter adds: two keys, one at a time.
            m.keys = f"normal-key-{i}"
            m.keys = f"alt-{i}"
            m.add_property("n", str(i))
            m.add_property("kind", "normal")
            receipt = producer.send(m)
            out(sent="normal", n=str(i), messageId=receipt.message_id)
        seen = set()
        deadline = time.monotonic() + WAIT_S
        while len(seen) < count and time.monotonic() < deadline:
            for m in consumer.receive(16, 15):
                out(
                    received=m.message_id,
                    topic=m.topic,
                    body=m.body.decode(),
                    tag=m.tag,
                    keys=sorted(m.keys),
                    properties=dict(m.properties),
                    bornHost=m.born_host,
                    deliveryAttempt=m.delivery_attempt,
                )
                seen.add(m.message_id)
                consumer.ack(m)
        if len(seen) < count:
            raise RuntimeError(f"received {len(seen)} of {count}")
        out(afterAck=len(consumer.receive(16, 15)))
    finally:
        producer.shutdown()
        consumer.shutdown()


SCENARIOS = {"normal": normal}


def main(argv):
    scenario, endpoint, topic, group, count = argv[1:6]
    try:
        SCENARIOS[scenario](endpoint, topic, group, int(count))
        out(done=True)
        return 0
    except Exception as e:  # noqa: BLE001 - reported to the test, then a failing exit
        out(error=repr(e))
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
