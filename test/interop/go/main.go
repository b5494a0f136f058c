// Drives RocketMQ's own Go Remoting client (github.com/apache/rocketmq-client-go/v2 from the Go
// module proxy, unmodified) through one scenario against a name server, printing one JSON object
// per line on stdout for the TypeScript test to check (the client's own logs go to stderr).
// Usage: go-scenarios <scenario> <namesrv> <topic> <group> <count> [extra]. Every wait is bounded;
// a scenario that cannot finish prints {"error":...} and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

type args struct {
	namesrv string
	topic   string
	group   string
	count   int
	// Scenario-specific: a tag expression, a max reconsume count.
	extra string
}

// waitFor bounds every wait of a scenario.
const waitFor = 60 * time.Second

// quiet is how long a consumer keeps listening after the expected count, to catch duplicates.
const quiet = time.Second

func main() {
	// The client logs at info by default; ROCKETMQ_GO_LOG_LEVEL (the client's own variable) still
	// wins when set, to debug a run.
	if os.Getenv("ROCKETMQ_GO_LOG_LEVEL") == "" {
		rlog.SetLogLevel("error")
	}
	if len(os.Args) < 6 {
		fail(fmt.Errorf("usage: go-scenarios <scenario> <namesrv> <topic> <group> <count> [extra]"))
	}
	count, err := strconv.Atoi(os.Args[5])
	if err != nil {
		fail(err)
	}
	a := args{namesrv: os.Args[2], topic: os.Args[3], group: os.Args[4], count: count}
	if len(os.Args) > 6 {
		a.extra = os.Args[6]
	}
	switch os.Args[1] {
	case "produce":
		err = produce(a)
	case "consume":
		err = consume(a)
	case "consume-retry":
		err = consumeRetry(a)
	case "transaction":
		err = transaction(a)
	default:
		err = fmt.Errorf("unknown scenario %s", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	out("done", true)
	os.Exit(0)
}

func fail(err error) {
	out("error", err.Error())
	os.Exit(1)
}

// ---- producing ----

func resolver(a args) primitive.NsResolver {
	return primitive.NewPassthroughResolver([]string{a.namesrv})
}

func message(a args, kind string, i int) *primitive.Message {
	tag := "TagA"
	if i%2 == 1 {
		tag = "TagB"
	}
	m := primitive.NewMessage(a.topic, []byte(fmt.Sprintf("%s-%d", kind, i)))
	m.WithTag(tag)
	m.WithKeys([]string{fmt.Sprintf("%s-key-%d", kind, i)})
	m.WithProperty("n", strconv.Itoa(i))
	m.WithProperty("kind", kind)
	return m
}

func status(s primitive.SendStatus) string {
	switch s {
	case primitive.SendOK:
		return "SEND_OK"
	case primitive.SendFlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case primitive.SendFlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case primitive.SendSlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	default:
		return "UNKNOWN_ERROR"
	}
}

func printSend(kind string, r *primitive.SendResult) {
	queueID, broker := -1, ""
	if r.MessageQueue != nil {
		queueID, broker = r.MessageQueue.QueueId, r.MessageQueue.BrokerName
	}
	out("sent", kind, "status", status(r.Status), "msgId", r.MsgID, "offsetMsgId", r.OffsetMsgID,
		"queueId", queueID, "queueOffset", r.QueueOffset, "broker", broker)
}

// produce sends count messages each with SendSync, SendAsync and SendOneWay, then one batch of
// count messages with SendSync.
func produce(a args) error {
	p, err := rocketmq.NewProducer(producer.WithNsResolver(resolver(a)), producer.WithGroupName(a.group),
		producer.WithRetry(2), producer.WithSendMsgTimeout(10*time.Second))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	ctx := context.Background()
	for i := 0; i < a.count; i++ {
		r, err := p.SendSync(ctx, message(a, "sync", i))
		if err != nil {
			return fmt.Errorf("sync send %d: %w", i, err)
		}
		printSend("sync", r)
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := 0; i < a.count; i++ {
		wg.Add(1)
		err := p.SendAsync(ctx, func(_ context.Context, r *primitive.SendResult, err error) {
			defer wg.Done()
			if err != nil {
				failed.Store(err)
				out("sendFailed", "async", "error", err.Error())
				return
			}
			printSend("async", r)
		}, message(a, "async", i))
		if err != nil {
			wg.Done()
			return fmt.Errorf("async send %d: %w", i, err)
		}
	}
	if !waitGroup(&wg, waitFor) {
		return fmt.Errorf("async sends timed out")
	}
	if e, ok := failed.Load().(error); ok {
		return fmt.Errorf("an async send failed: %w", e)
	}
	for i := 0; i < a.count; i++ {
		if err := p.SendOneWay(ctx, message(a, "oneway", i)); err != nil {
			return fmt.Errorf("oneway send %d: %w", i, err)
		}
		out("sent", "oneway")
	}
	batch := make([]*primitive.Message, 0, a.count)
	for i := 0; i < a.count; i++ {
		batch = append(batch, message(a, "batch", i))
	}
	r, err := p.SendSync(ctx, batch...)
	if err != nil {
		return fmt.Errorf("batch send: %w", err)
	}
	printSend("batch", r)
	return nil
}

func waitGroup(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// ---- consuming ----

func printReceived(how string, m *primitive.MessageExt) {
	out("received", how, "topic", m.Topic, "body", string(m.Body), "tags", m.GetTags(),
		"keys", m.GetKeys(), "msgId", m.MsgId, "offsetMsgId", m.OffsetMsgId, "queueId", m.Queue.QueueId,
		"queueOffset", m.QueueOffset, "reconsumeTimes", m.ReconsumeTimes, "n", m.GetProperty("n"),
		"kind", m.GetProperty("kind"), "bornAt", m.BornTimestamp, "storedAt", m.StoreTimestamp,
		"receivedAt", time.Now().UnixMilli())
}

func pushConsumer(a args, extra ...consumer.Option) (rocketmq.PushConsumer, error) {
	opts := append([]consumer.Option{
		consumer.WithNsResolver(resolver(a)),
		consumer.WithGroupName(a.group),
		consumer.WithConsumerModel(consumer.Clustering),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}, extra...)
	return rocketmq.NewPushConsumer(opts...)
}

func selector(a args) consumer.MessageSelector {
	if a.extra == "" {
		return consumer.MessageSelector{}
	}
	return consumer.MessageSelector{Type: consumer.TAG, Expression: a.extra}
}

// awaitCount waits until got reaches count, then a quiet period more, to catch duplicates.
func awaitCount(got *atomic.Int64, reached <-chan struct{}, count int, what string) error {
	select {
	case <-reached:
	case <-time.After(waitFor):
		return fmt.Errorf("timed out waiting for %s: %d of %d", what, got.Load(), count)
	}
	time.Sleep(quiet)
	return nil
}

// counter closes reached once count events were counted.
type counter struct {
	got     atomic.Int64
	count   int64
	once    sync.Once
	reached chan struct{}
}

func newCounter(count int) *counter {
	c := &counter{count: int64(count), reached: make(chan struct{})}
	if count <= 0 {
		close(c.reached)
	}
	return c
}

func (c *counter) add() {
	if c.got.Add(1) == c.count {
		c.once.Do(func() { close(c.reached) })
	}
}

// consume receives count messages with a push consumer (tag expression extra, or all), each
// answered ConsumeSuccess.
func consume(a args) error {
	c, err := pushConsumer(a)
	if err != nil {
		return err
	}
	got := newCounter(a.count)
	err = c.Subscribe(a.topic, selector(a), func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			printReceived("concurrently", m)
			got.add()
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Shutdown()
	out("started", a.group)
	return awaitCount(&got.got, got.reached, a.count, "messages")
}

// consumeRetry answers every delivery ConsumeRetryLater with maxReconsumeTimes extra: each of the
// count messages comes 1 + max times, then goes to %DLQ%group.
func consumeRetry(a args) error {
	max, err := strconv.Atoi(a.extra)
	if err != nil {
		return fmt.Errorf("max reconsume times %q: %w", a.extra, err)
	}
	c, err := pushConsumer(a, consumer.WithMaxReconsumeTimes(int32(max)))
	if err != nil {
		return err
	}
	total := a.count * (1 + max)
	got := newCounter(total)
	err = c.Subscribe(a.topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			printReceived("retry", m)
			got.add()
		}
		return consumer.ConsumeRetryLater, nil
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	defer c.Shutdown()
	out("started", a.group)
	return awaitCount(&got.got, got.reached, total, "deliveries")
}

// ---- transactions ----

// txListener decides message i by i % 3: commit, rollback, unknown; a check-back commits.
type txListener struct {
	checked *counter
	mu      sync.Mutex
	// checks counts the check-backs of each message n.
	checks map[string]int
}

func (l *txListener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	i, _ := strconv.Atoi(m.GetProperty("n"))
	switch i % 3 {
	case 0:
		return primitive.CommitMessageState
	case 1:
		return primitive.RollbackMessageState
	default:
		// The constant after RollbackMessageState: UnkonwnState here, UnknowState in v2.1.2.
		return primitive.RollbackMessageState + 1
	}
}

func (l *txListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	n := m.GetProperty("n")
	l.mu.Lock()
	l.checks[n]++
	first := l.checks[n] == 1
	l.mu.Unlock()
	if first {
		out("checked", n, "transactionId", m.TransactionId, "msgId", m.MsgId,
			"checkedAt", time.Now().UnixMilli())
		l.checked.add()
	}
	return primitive.CommitMessageState
}

func transaction(a args) error {
	unknown := 0
	for i := 0; i < a.count; i++ {
		if i%3 == 2 {
			unknown++
		}
	}
	l := &txListener{checked: newCounter(unknown), checks: map[string]int{}}
	p, err := rocketmq.NewTransactionProducer(l, producer.WithNsResolver(resolver(a)),
		producer.WithGroupName(a.group), producer.WithRetry(2), producer.WithSendMsgTimeout(10*time.Second))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	defer p.Shutdown()
	for i := 0; i < a.count; i++ {
		r, err := p.SendMessageInTransaction(context.Background(), message(a, "tx", i))
		if err != nil {
			return fmt.Errorf("transactional send %d: %w", i, err)
		}
		out("sent", "tx", "status", status(r.Status), "n", i, "local", int(r.State),
			"transactionId", r.TransactionID, "msgId", r.MsgID)
	}
	if unknown > 0 {
		select {
		case <-l.checked.reached:
		case <-time.After(waitFor):
			return fmt.Errorf("check-backs timed out: %d of %d", l.checked.got.Load(), unknown)
		}
	}
	// A quiet period more: a broker that checks a resolved message again shows here.
	time.Sleep(quiet)
	l.mu.Lock()
	defer l.mu.Unlock()
	out("checks", l.checks)
	return nil
}

// ---- output ----

var outMu sync.Mutex

// out prints one JSON object from key/value pairs, on one line.
func out(kv ...interface{}) {
	m := make(map[string]interface{}, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}
