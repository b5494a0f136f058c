import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Drives RocketMQ's own Java Remoting client (rocketmq-client from Maven Central, unmodified)
 * through one scenario against a name server, printing one JSON object per line on stdout for the
 * TypeScript test to check. Usage: RemotingScenarios <scenario> <namesrv> <topic> <group> <count>
 * [extra]. Every wait is bounded; a scenario that cannot finish prints {"error":...} and exits 1.
 */
public class RemotingScenarios {
  public static void main(String[] a) throws Exception {
    String scenario = a[0];
    Args args = new Args(a[1], a[2], a[3], Integer.parseInt(a[4]), a.length > 5 ? a[5] : "");
    try {
      switch (scenario) {
        case "produce": produce(args); break;
        case "produce-ordered": produceOrdered(args); break;
        case "produce-delayed": produceDelayed(args); break;
        case "consume": consume(args, false); break;
        case "consume-broadcast": consume(args, true); break;
        case "consume-orderly": consumeOrderly(args); break;
        case "consume-retry": consumeRetry(args); break;
        case "transaction": transaction(args); break;
        case "lite-pull-subscribe": litePullSubscribe(args); break;
        case "lite-pull-assign": litePullAssign(args); break;
        case "hold": hold(args); break;
        case "request-reply": requestReply(args); break;
        case "traced": traced(args); break;
        case "produce-large": produceLarge(args); break;
        case "consume-assigned": consumeAssigned(args); break;
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
    final String namesrv;
    final String topic;
    final String group;
    final int count;
    /** Scenario-specific: a subscription expression, a delay, a queue. */
    final String extra;

    Args(String namesrv, String topic, String group, int count, String extra) {
      this.namesrv = namesrv;
      this.topic = topic;
      this.group = group;
      this.count = count;
      this.extra = extra;
    }
  }

  static final long WAIT_MS = Long.getLong("scenario.waitMs", 60000);

  // ---- producing ----

  static DefaultMQProducer producer(Args args) throws Exception {
    DefaultMQProducer p = new DefaultMQProducer(args.group);
    p.setNamesrvAddr(args.namesrv);
    p.setSendMsgTimeout(10000);
    p.start();
    return p;
  }

  static Message message(Args args, String kind, int i) {
    Message m = new Message(args.topic, i % 2 == 0 ? "TagA" : "TagB", kind + "-key-" + i,
        (kind + "-" + i).getBytes(StandardCharsets.UTF_8));
    m.putUserProperty("n", String.valueOf(i));
    m.putUserProperty("kind", kind);
    return m;
  }

  static void printSend(String kind, SendResult r) {
    out("sent", kind, "status", r.getSendStatus().name(), "msgId", r.getMsgId(),
        "offsetMsgId", r.getOffsetMsgId(), "queueId", r.getMessageQueue().getQueueId(),
        "queueOffset", r.getQueueOffset(), "broker", r.getMessageQueue().getBrokerName());
  }

  /** count messages each: sync, async, oneway, and one batch of count. */
  static void produce(Args args) throws Exception {
    DefaultMQProducer p = producer(args);
    for (int i = 0; i < args.count; i++) printSend("sync", p.send(message(args, "sync", i)));
    CountDownLatch done = new CountDownLatch(args.count);
    for (int i = 0; i < args.count; i++) {
      p.send(message(args, "async", i), new SendCallback() {
        public void onSuccess(SendResult r) {
          printSend("async", r);
          done.countDown();
        }

        public void onException(Throwable e) {
          out("sendFailed", "async", "error", e.toString());
          done.countDown();
        }
      });
    }
    if (!done.await(WAIT_MS, TimeUnit.MILLISECONDS)) throw new IllegalStateException("async sends timed out");
    for (int i = 0; i < args.count; i++) {
      p.sendOneway(message(args, "oneway", i));
      out("sent", "oneway");
    }
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < args.count; i++) batch.add(message(args, "batch", i));
    printSend("batch", p.send(batch));
    p.shutdown();
  }

  /** count messages over 4 orders, each order's messages to one queue by its id. */
  static void produceOrdered(Args args) throws Exception {
    DefaultMQProducer p = producer(args);
    for (int i = 0; i < args.count; i++) {
      int order = i % 4;
      Message m = new Message(args.topic, "TagA", "order-" + order,
          ("order-" + order + "-step-" + (i / 4)).getBytes(StandardCharsets.UTF_8));
      SendResult r = p.send(m, (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size()), order);
      printSend("ordered", r);
    }
    p.shutdown();
  }

  /** count messages with delay level `extra` (or, with extra "timer:<ms>", a deliver time that far ahead). */
  static void produceDelayed(Args args) throws Exception {
    DefaultMQProducer p = producer(args);
    for (int i = 0; i < args.count; i++) {
      Message m = message(args, "delayed", i);
      long now = System.currentTimeMillis();
      if (args.extra.startsWith("timer:")) {
        long deliverAt = now + Long.parseLong(args.extra.substring(6));
        // Message.setDeliverTimeMs is a 5.x method; 4.x has no timer messages.
        Message.class.getMethod("setDeliverTimeMs", long.class).invoke(m, deliverAt);
        m.putUserProperty("due", String.valueOf(deliverAt));
      } else {
        m.setDelayTimeLevel(Integer.parseInt(args.extra));
      }
      m.putUserProperty("sentAt", String.valueOf(now));
      printSend("delayed", p.send(m));
    }
    p.shutdown();
  }

  /**
   * count messages of 16 KiB: above compressMsgBodyOverHowmuch (4 KiB), so the producer
   * compresses them with its compressType (-Drocketmq.message.compressType=LZ4|ZSTD|ZLIB).
   */
  static void produceLarge(Args args) throws Exception {
    DefaultMQProducer p = producer(args);
    for (int i = 0; i < args.count; i++) {
      StringBuilder body = new StringBuilder();
      while (body.length() < 16 * 1024) body.append("large-").append(i).append(' ');
      Message m = new Message(args.topic, "TagA", "large-key-" + i, body.toString().getBytes(StandardCharsets.UTF_8));
      printSend("large", p.send(m));
    }
    p.shutdown();
  }

  // ---- consuming ----

  static void printReceived(String how, MessageExt m) {
    out("received", how, "topic", m.getTopic(), "body", new String(m.getBody(), StandardCharsets.UTF_8),
        "tags", m.getTags(), "keys", m.getKeys(), "msgId", m.getMsgId(), "queueId", m.getQueueId(),
        "queueOffset", m.getQueueOffset(), "reconsumeTimes", m.getReconsumeTimes(),
        "n", m.getUserProperty("n"), "kind", m.getUserProperty("kind"),
        "bornAt", m.getBornTimestamp(), "storedAt", m.getStoreTimestamp(),
        "receivedAt", System.currentTimeMillis(), "sentAt", m.getUserProperty("sentAt"),
        "due", m.getUserProperty("due"), "popCk", m.getProperty("POP_CK"));
  }

  static DefaultMQPushConsumer pushConsumer(Args args) throws Exception {
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(args.group);
    c.setNamesrvAddr(args.namesrv);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    String expr = args.extra.isEmpty() ? "*" : args.extra;
    if (expr.startsWith("sql:")) c.subscribe(args.topic, MessageSelector.bySql(expr.substring(4)));
    else c.subscribe(args.topic, expr);
    return c;
  }

  /** Waits until count messages came, then a quiet second more (to catch duplicates). */
  static void awaitCount(AtomicInteger got, int count, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (got.get() < count) {
      if (System.currentTimeMillis() > deadline)
        throw new IllegalStateException("timed out waiting for " + what + ": " + got.get() + " of " + count);
      Thread.sleep(20);
    }
    Thread.sleep(1000);
  }

  static void consume(Args args, boolean broadcast) throws Exception {
    DefaultMQPushConsumer c = pushConsumer(args);
    if (broadcast) broadcasting(c);
    AtomicInteger got = new AtomicInteger();
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        printReceived("concurrently", m);
        got.incrementAndGet();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    out("started", args.group);
    awaitCount(got, args.count, "messages");
    c.shutdown();
  }

  static void consumeOrderly(Args args) throws Exception {
    DefaultMQPushConsumer c = pushConsumer(args);
    AtomicInteger got = new AtomicInteger();
    c.registerMessageListener((MessageListenerOrderly) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        printReceived("orderly", m);
        got.incrementAndGet();
      }
      return ConsumeOrderlyStatus.SUCCESS;
    });
    c.start();
    out("started", args.group);
    awaitCount(got, args.count, "messages");
    c.shutdown();
  }

  /**
   * A 5.x push consumer that lets the broker assign its queues (clientRebalance off, so it asks
   * with QUERY_ASSIGNMENT and reads each queue by PULL or POP as the broker says).
   */
  static void consumeAssigned(Args args) throws Exception {
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(args.group);
    c.setNamesrvAddr(args.namesrv);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.subscribe(args.topic, "*");
    DefaultMQPushConsumer.class.getMethod("setClientRebalance", boolean.class).invoke(c, false);
    AtomicInteger got = new AtomicInteger();
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        printReceived("assigned", m);
        got.incrementAndGet();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    out("started", args.group);
    awaitCount(got, args.count, "messages");
    c.shutdown();
  }

  /** MessageModel moved package between 4.x and 5.x: set BROADCASTING by reflection, for both. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void broadcasting(DefaultMQPushConsumer c) throws Exception {
    Class model = DefaultMQPushConsumer.class.getMethod("getMessageModel").getReturnType();
    DefaultMQPushConsumer.class.getMethod("setMessageModel", model).invoke(c, Enum.valueOf(model, "BROADCASTING"));
  }

  /** Always RECONSUME_LATER with maxReconsumeTimes = extra: each message comes 1 + max times, then goes to the DLQ. */
  static void consumeRetry(Args args) throws Exception {
    int max = Integer.parseInt(args.extra);
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(args.group);
    c.setNamesrvAddr(args.namesrv);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.subscribe(args.topic, "*");
    c.setMaxReconsumeTimes(max);
    // The retry topic's route appears once the broker has the group; look for it every second.
    c.setPollNameServerInterval(1000);
    AtomicInteger got = new AtomicInteger();
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        printReceived("retry", m);
        got.incrementAndGet();
      }
      return ConsumeConcurrentlyStatus.RECONSUME_LATER;
    });
    c.start();
    out("started", args.group);
    awaitCount(got, args.count * (1 + max), "deliveries");
    c.shutdown();
  }

  // ---- transactions ----

  /** Message i: local state by i % 3 (commit, rollback, unknown); a check-back commits the unknown ones. */
  static void transaction(Args args) throws Exception {
    TransactionMQProducer p = new TransactionMQProducer(args.group);
    p.setNamesrvAddr(args.namesrv);
    Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();
    CountDownLatch checked = new CountDownLatch((args.count + 1) / 3);
    p.setTransactionListener(new TransactionListener() {
      public LocalTransactionState executeLocalTransaction(Message m, Object arg) {
        int i = Integer.parseInt(m.getUserProperty("n"));
        return i % 3 == 0 ? LocalTransactionState.COMMIT_MESSAGE
            : i % 3 == 1 ? LocalTransactionState.ROLLBACK_MESSAGE : LocalTransactionState.UNKNOW;
      }

      public LocalTransactionState checkLocalTransaction(MessageExt m) {
        String n = m.getUserProperty("n");
        if (checks.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet() == 1) {
          out("checked", n, "transactionId", m.getTransactionId());
          checked.countDown();
        }
        return LocalTransactionState.COMMIT_MESSAGE;
      }
    });
    p.start();
    for (int i = 0; i < args.count; i++) {
      TransactionSendResult r = p.sendMessageInTransaction(message(args, "tx", i), null);
      out("sent", "tx", "status", r.getSendStatus().name(), "n", i, "local",
          r.getLocalTransactionState().name(), "transactionId", r.getTransactionId());
    }
    int unknown = 0;
    for (int i = 0; i < args.count; i++) if (i % 3 == 2) unknown++;
    if (unknown > 0 && !checked.await(WAIT_MS, TimeUnit.MILLISECONDS))
      throw new IllegalStateException("check-backs timed out: " + checks.keySet());
    p.shutdown();
  }

  // ---- lite pull ----

  static void litePullSubscribe(Args args) throws Exception {
    DefaultLitePullConsumer c = new DefaultLitePullConsumer(args.group);
    c.setNamesrvAddr(args.namesrv);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.subscribe(args.topic, "*");
    c.start();
    int got = 0;
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (got < args.count && System.currentTimeMillis() < deadline) {
      for (MessageExt m : c.poll(1000)) {
        printReceived("lite-subscribe", m);
        got++;
      }
    }
    c.commitSync();
    c.shutdown();
    if (got < args.count) throw new IllegalStateException("polled " + got + " of " + args.count);
  }

  /** Assigns every queue, seeks each to offset `extra`, and polls count messages. */
  static void litePullAssign(Args args) throws Exception {
    DefaultLitePullConsumer c = new DefaultLitePullConsumer(args.group);
    c.setNamesrvAddr(args.namesrv);
    c.setAutoCommit(false);
    c.start();
    Collection<MessageQueue> queues = c.fetchMessageQueues(args.topic);
    out("queues", queues.size());
    c.assign(queues);
    long offset = Long.parseLong(args.extra);
    for (MessageQueue q : queues) c.seek(q, offset);
    int got = 0;
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (got < args.count && System.currentTimeMillis() < deadline) {
      for (MessageExt m : c.poll(1000)) {
        printReceived("lite-assign", m);
        got++;
      }
    }
    c.shutdown();
    if (got < args.count) throw new IllegalStateException("polled " + got + " of " + args.count);
  }

  // ---- request/reply ----

  /**
   * A responder (push consumer of `group` replying with "reply-to-<body>" through its own
   * producer) and a requester (producer.request, count requests, each waiting for its reply).
   */
  static void requestReply(Args args) throws Exception {
    DefaultMQProducer replier = new DefaultMQProducer(args.group + "_replier");
    replier.setNamesrvAddr(args.namesrv);
    replier.start();
    DefaultMQPushConsumer c = pushConsumer(args);
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        try {
          Message reply = org.apache.rocketmq.client.utils.MessageUtil.createReplyMessage(
              m, ("reply-to-" + new String(m.getBody(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
          SendResult r = replier.send(reply, 10000);
          out("replied", new String(m.getBody(), StandardCharsets.UTF_8), "status", r.getSendStatus().name(),
              "replyTopic", reply.getTopic());
        } catch (Exception e) {
          out("replyFailed", e.toString());
          return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        }
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    DefaultMQProducer requester = producer(args);
    for (int i = 0; i < args.count; i++) {
      Message req = new Message(args.topic, "TagA", ("request-" + i).getBytes(StandardCharsets.UTF_8));
      long began = System.currentTimeMillis();
      Message reply = requester.request(req, 15000);
      out("reply", new String(reply.getBody(), StandardCharsets.UTF_8), "topic", reply.getTopic(),
          "tookMs", System.currentTimeMillis() - began);
    }
    requester.shutdown();
    c.shutdown();
    replier.shutdown();
  }

  // ---- message trace ----

  /** A producer and a push consumer with enableMsgTrace: count messages sent and consumed. */
  static void traced(Args args) throws Exception {
    DefaultMQProducer p = new DefaultMQProducer(args.group + "_P", (org.apache.rocketmq.remoting.RPCHook) null, true, null);
    p.setNamesrvAddr(args.namesrv);
    p.start();
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(args.group, (org.apache.rocketmq.remoting.RPCHook) null,
        new org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely(), true, null);
    c.setNamesrvAddr(args.namesrv);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.subscribe(args.topic, "*");
    AtomicInteger got = new AtomicInteger();
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        printReceived("traced", m);
        got.incrementAndGet();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    for (int i = 0; i < args.count; i++) printSend("traced", p.send(message(args, "traced", i)));
    awaitCount(got, args.count, "traced messages");
    // The trace dispatchers send in batches in the background; shutdown flushes them.
    c.shutdown();
    p.shutdown();
  }

  // ---- a live producer and consumer, for the admin tools to see ----

  /** A producer of group `group` and a push consumer of group `extra` stay up until stdin closes. */
  static void hold(Args args) throws Exception {
    DefaultMQProducer p = producer(args);
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(args.extra);
    c.setNamesrvAddr(args.namesrv);
    c.subscribe(args.topic, "*");
    c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
    c.start();
    // A send makes the producer's heartbeat reach the topic's broker.
    printSend("hold", p.send(message(args, "hold", 0)));
    out("holding", true);
    while (System.in.read() >= 0) {
      // until the test closes stdin
    }
    c.shutdown();
    p.shutdown();
  }

  // ---- output ----

  /** One JSON object from key/value pairs, on one line. */
  static synchronized void out(Object... kv) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (i > 0) b.append(',');
      b.append(quote(String.valueOf(kv[i]))).append(':');
      Object v = kv[i + 1];
      if (v == null) b.append("null");
      else if (v instanceof Number || v instanceof Boolean) b.append(v);
      else b.append(quote(v.toString()));
    }
    System.out.println(b.append('}'));
    System.out.flush();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}
