import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.ConsumeResult;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.FilterExpressionType;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.Message;
import org.apache.rocketmq.client.apis.message.MessageBuilder;
import org.apache.rocketmq.client.apis.message.MessageView;
import org.apache.rocketmq.client.apis.producer.Producer;
import org.apache.rocketmq.client.apis.producer.ProducerBuilder;
import org.apache.rocketmq.client.apis.producer.SendReceipt;
import org.apache.rocketmq.client.apis.producer.Transaction;
import org.apache.rocketmq.client.apis.producer.TransactionResolution;

/**
 * Drives RocketMQ's own Java gRPC client (rocketmq-client-java from Maven Central, unmodified)
 * through one scenario against a gRPC endpoint, printing one JSON object per line on stdout for
 * the TypeScript test to check. Usage: GrpcScenarios <scenario> <endpoint> <tls|plain> <topic>
 * <group> <count> [extra]. Every wait is bounded; a scenario that cannot finish prints
 * {"error":...} and exits 1.
 */
public class GrpcScenarios {
  public static void main(String[] a) throws Exception {
    String scenario = a[0];
    Args args = new Args(a[1], "tls".equals(a[2]), a[3], a[4], Integer.parseInt(a[5]),
        a.length > 6 ? a[6] : "");
    try {
      // What the client sends as each message's born_host, for the test to find on delivery.
      out("clientHost", org.apache.rocketmq.client.java.misc.Utilities.hostName());
      switch (scenario) {
        case "normal": normal(args); break;
        case "fifo": fifo(args); break;
        case "delay": delay(args); break;
        case "transaction": transaction(args); break;
        case "push": push(args); break;
        case "push-fifo": pushFifo(args); break;
        default: throw new IllegalArgumentException("unknown scenario " + scenario);
      }
      out("done", true);
      System.exit(0);
    } catch (Throwable e) {
      out("error", e.toString());
      e.printStackTrace();
      System.exit(1);
    }
  }

  static final class Args {
    final String endpoint;
    final boolean tls;
    final String topic;
    final String group;
    final int count;
    /** Scenario-specific: a delay in ms. */
    final String extra;

    Args(String endpoint, boolean tls, String topic, String group, int count, String extra) {
      this.endpoint = endpoint;
      this.tls = tls;
      this.topic = topic;
      this.group = group;
      this.count = count;
      this.extra = extra;
    }
  }

  static final long WAIT_MS = Long.getLong("scenario.waitMs", 30000);
  static final ClientServiceProvider PROVIDER = ClientServiceProvider.loadService();

  static ClientConfiguration config(Args args) {
    // TLS is the client's default (it trusts any server certificate); plaintext is opted into.
    return ClientConfiguration.newBuilder()
        .setEndpoints(args.endpoint)
        .enableSsl(args.tls)
        .setRequestTimeout(Duration.ofSeconds(5))
        .build();
  }

  // ---- producing ----

  static Producer producer(Args args, ProducerBuilder builder) throws Exception {
    return builder.setClientConfiguration(config(args)).setTopics(args.topic).build();
  }

  static Producer producer(Args args) throws Exception {
    return producer(args, PROVIDER.newProducerBuilder());
  }

  static MessageBuilder message(Args args, String kind, int i) {
    return PROVIDER.newMessageBuilder()
        .setTopic(args.topic)
        .setTag(i % 2 == 0 ? "TagA" : "TagB")
        .setKeys(kind + "-key-" + i, "alt-" + i)
        .addProperty("n", String.valueOf(i))
        .addProperty("kind", kind)
        .setBody((kind + "-" + i).getBytes(StandardCharsets.UTF_8));
  }

  static void printSend(String kind, int i, SendReceipt r, Object... more) {
    Object[] kv = new Object[6 + more.length];
    kv[0] = "sent";
    kv[1] = kind;
    kv[2] = "n";
    kv[3] = String.valueOf(i);
    kv[4] = "messageId";
    kv[5] = r.getMessageId().toString();
    System.arraycopy(more, 0, kv, 6, more.length);
    out(kv);
  }

  // ---- consuming ----

  static SimpleConsumer simpleConsumer(Args args) throws Exception {
    return PROVIDER.newSimpleConsumerBuilder()
        .setClientConfiguration(config(args))
        .setConsumerGroup(args.group)
        .setSubscriptionExpressions(
            Collections.singletonMap(args.topic, new FilterExpression("*", FilterExpressionType.TAG)))
        .setAwaitDuration(Duration.ofSeconds(2))
        .build();
  }

  static void printReceived(MessageView m) {
    ByteBuffer b = m.getBody();
    byte[] body = new byte[b.remaining()];
    b.get(body);
    out("received", m.getMessageId().toString(), "topic", m.getTopic(),
        "body", new String(body, StandardCharsets.UTF_8), "tag", m.getTag().orElse(null),
        "keys", new ArrayList<>(m.getKeys()), "properties", m.getProperties(),
        "messageGroup", m.getMessageGroup().orElse(null),
        "deliveryTimestamp", m.getDeliveryTimestamp().orElse(null),
        "deliveryAttempt", m.getDeliveryAttempt(), "bornHost", m.getBornHost(),
        "receivedAt", System.currentTimeMillis());
  }

  /**
   * Receives with `batch` per call until `expected` distinct messages came or WAIT_MS passed,
   * acking each, then receives once more to show nothing else (acked, rolled back) comes.
   */
  static void receiveAll(SimpleConsumer consumer, int expected, int batch) throws Exception {
    Set<String> seen = new HashSet<>();
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (seen.size() < expected && System.currentTimeMillis() < deadline) {
      for (MessageView m : consumer.receive(batch, Duration.ofSeconds(15))) {
        printReceived(m);
        seen.add(m.getMessageId().toString());
        consumer.ack(m);
      }
    }
    if (seen.size() < expected)
      throw new IllegalStateException("received " + seen.size() + " of " + expected);
    int more = consumer.receive(batch, Duration.ofSeconds(15)).size();
    out("afterAck", more, "at", System.currentTimeMillis());
  }

  // ---- scenarios ----

  /** count NORMAL messages with tags, keys and properties; a SimpleConsumer receives and acks. */
  static void normal(Args args) throws Exception {
    try (SimpleConsumer consumer = simpleConsumer(args); Producer p = producer(args)) {
      for (int i = 0; i < args.count; i++) printSend("normal", i, p.send(message(args, "normal", i).build()));
      receiveAll(consumer, args.count, 16);
    }
  }

  /** count FIFO messages over 3 message groups; the (orderly) group receives each group in order. */
  static void fifo(Args args) throws Exception {
    try (SimpleConsumer consumer = simpleConsumer(args); Producer p = producer(args)) {
      for (int i = 0; i < args.count; i++) {
        String group = "group-" + (i % 3);
        Message m = message(args, "fifo", i).setMessageGroup(group)
            .setBody((group + "-step-" + (i / 3)).getBytes(StandardCharsets.UTF_8)).build();
        printSend("fifo", i, p.send(m), "messageGroup", group);
      }
      receiveAll(consumer, args.count, 4);
    }
  }

  /**
   * count DELAY messages due `extra` ms after sending, none of which may arrive before it is due,
   * and one more recalled by its recall handle before it is due, which never arrives.
   */
  static void delay(Args args) throws Exception {
    long delayMs = Long.parseLong(args.extra);
    try (SimpleConsumer consumer = simpleConsumer(args); Producer p = producer(args)) {
      for (int i = 0; i < args.count; i++) {
        long due = System.currentTimeMillis() + delayMs;
        Message m = message(args, "delay", i).setDeliveryTimestamp(due).build();
        printSend("delay", i, p.send(m), "due", due);
      }
      long due = System.currentTimeMillis() + delayMs;
      SendReceipt r = p.send(message(args, "recalled", args.count).setDeliveryTimestamp(due).build());
      printSend("recalled", args.count, r, "due", due);
      out("recalled", p.recallMessage(args.topic, r.getRecallHandle()).getMessageId().toString());
      // Long polls past every due time: a recalled message that still came would show here.
      receiveAll(consumer, args.count, 16);
    }
  }

  /**
   * count TRANSACTION messages: n % 3 == 0 committed, 1 rolled back, 2 left open for the
   * TransactionChecker, which commits them when the broker asks.
   */
  static void transaction(Args args) throws Exception {
    Set<String> checked = ConcurrentHashMap.newKeySet();
    ProducerBuilder builder = PROVIDER.newProducerBuilder().setTransactionChecker(view -> {
      String n = view.getProperties().get("n");
      out("checked", n, "messageId", view.getMessageId().toString());
      checked.add(n);
      return TransactionResolution.COMMIT;
    });
    int delivered = 0;
    try (SimpleConsumer consumer = simpleConsumer(args); Producer p = producer(args, builder)) {
      for (int i = 0; i < args.count; i++) {
        Transaction tx = p.beginTransaction();
        SendReceipt r = p.send(message(args, "tx", i).build(), tx);
        String resolution = i % 3 == 0 ? "commit" : i % 3 == 1 ? "rollback" : "unknown";
        printSend("tx", i, r, "resolution", resolution);
        if (i % 3 == 0) tx.commit();
        else if (i % 3 == 1) tx.rollback();
        if (i % 3 != 1) delivered++;
      }
      receiveAll(consumer, delivered, 16);
    }
    out("checks", checked.size());
  }

  /**
   * count NORMAL messages consumed by a PushConsumer's MessageListener; the listener fails the
   * first delivery of message 0, which then comes again with the next delivery attempt.
   */
  static void push(Args args) throws Exception {
    Set<String> consumed = ConcurrentHashMap.newKeySet();
    CountDownLatch all = new CountDownLatch(args.count);
    PushConsumer consumer = PROVIDER.newPushConsumerBuilder()
        .setClientConfiguration(config(args))
        .setConsumerGroup(args.group)
        .setSubscriptionExpressions(
            Collections.singletonMap(args.topic, new FilterExpression("*", FilterExpressionType.TAG)))
        .setMessageListener(m -> {
          printReceived(m);
          if ("0".equals(m.getProperties().get("n")) && m.getDeliveryAttempt() == 1) {
            return ConsumeResult.FAILURE;
          }
          if (consumed.add(m.getMessageId().toString())) all.countDown();
          return ConsumeResult.SUCCESS;
        })
        .build();
    try (Producer p = producer(args)) {
      for (int i = 0; i < args.count; i++) printSend("push", i, p.send(message(args, "push", i).build()));
      if (!all.await(WAIT_MS, TimeUnit.MILLISECONDS))
        throw new IllegalStateException("the listener consumed " + consumed.size() + " of " + args.count);
      out("consumed", consumed.size());
    } finally {
      // Waits for the receive in flight (at most the long polling time the server set).
      consumer.close();
    }
  }

  /**
   * count FIFO messages over 3 message groups consumed by a PushConsumer of an orderly group; the
   * listener fails the first delivery of group-0's first message, which the client retries in
   * place before anything after it in that group.
   */
  static void pushFifo(Args args) throws Exception {
    Set<String> consumed = ConcurrentHashMap.newKeySet();
    CountDownLatch all = new CountDownLatch(args.count);
    PushConsumer consumer = PROVIDER.newPushConsumerBuilder()
        .setClientConfiguration(config(args))
        .setConsumerGroup(args.group)
        .setSubscriptionExpressions(
            Collections.singletonMap(args.topic, new FilterExpression("*", FilterExpressionType.TAG)))
        .setMessageListener(m -> {
          printReceived(m);
          if ("0".equals(m.getProperties().get("n")) && m.getDeliveryAttempt() == 1) {
            return ConsumeResult.FAILURE;
          }
          if (consumed.add(m.getMessageId().toString())) all.countDown();
          return ConsumeResult.SUCCESS;
        })
        .build();
    try (Producer p = producer(args)) {
      for (int i = 0; i < args.count; i++) {
        String group = "group-" + (i % 3);
        Message m = message(args, "fifo", i).setMessageGroup(group)
            .setBody((group + "-step-" + (i / 3)).getBytes(StandardCharsets.UTF_8)).build();
        printSend("fifo", i, p.send(m), "messageGroup", group);
      }
      if (!all.await(WAIT_MS, TimeUnit.MILLISECONDS))
        throw new IllegalStateException("the listener consumed " + consumed.size() + " of " + args.count);
      out("consumed", consumed.size());
    } finally {
      consumer.close();
    }
  }

  // ---- output ----

  static synchronized void out(Object... kv) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < kv.length; i += 2) {
      if (i > 0) sb.append(',');
      json(sb, kv[i]);
      sb.append(':');
      json(sb, kv[i + 1]);
    }
    System.out.println(sb.append('}'));
    System.out.flush();
  }

  static void json(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : new java.util.TreeMap<>((Map<?, ?>) v).entrySet()) {
        if (!first) sb.append(',');
        first = false;
        json(sb, String.valueOf(e.getKey()));
        sb.append(':');
        json(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Collection) {
      sb.append('[');
      boolean first = true;
      for (Object o : (Collection<?>) v) {
        if (!first) sb.append(',');
        first = false;
        json(sb, o);
      }
      sb.append(']');
    } else {
      sb.append('"');
      for (char c : v.toString().toCharArray()) {
        if (c == '"' || c == '\\') sb.append('\\').append(c);
        else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
        else sb.append(c);
      }
      sb.append('"');
    }
  }
}
