package main

import (
	"context"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/golang/protobuf/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// deadlineSlack: a call that ends this close to its deadline (or after it)
// is reported as ended by the deadline. The client's timer and the server's
// race, and the client's RST_STREAM may arrive a moment before the server's
// own timer fires.
const deadlineSlack = 25 * time.Millisecond

// nowMs is wall-clock time in ms since the epoch, comparable with Date.now().
func nowMs() float64 { return float64(time.Now().UnixNano()/1e5) / 10 }

// remainingMs is the time left before the call's deadline (0 once passed),
// or -1 when the call has no deadline.
func remainingMs(ctx context.Context) float64 {
	deadline, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	left := time.Until(deadline)
	if left < 0 {
		left = 0
	}
	return float64(left.Microseconds()) / 1000
}

// call is one incoming call: reports it, echoes its x-echo-* metadata, and
// notices when it ends before the handler does.
type call struct {
	ctx         context.Context
	method      string
	echo        metadata.MD
	headersSent bool
}

func newCall(ctx context.Context, method string) *call {
	md, _ := metadata.FromIncomingContext(ctx)
	c := &call{ctx: ctx, method: method, echo: metadata.MD{}}
	for key, values := range md {
		if strings.HasPrefix(key, "x-echo-") {
			c.echo[key] = values
		}
	}
	_ = grpc.SetTrailer(ctx, c.echo)
	address := ""
	if p, ok := peer.FromContext(ctx); ok {
		address = p.Addr.String()
	}
	compression := ""
	if rec, ok := ctx.Value(compressionKey{}).(*string); ok {
		compression = *rec
	}
	emit("call", map[string]interface{}{
		"method": method, "peer": address, "metadata": metadataJSON(md), "compression": compression,
		"remaining_ms": remainingMs(ctx), "at_ms": nowMs(),
	})
	return c
}

// metadataJSON is metadata as [key, value] pairs, sorted by key; -bin values
// as lowercase hex (as testing/peer/server.py reports them).
func metadataJSON(md metadata.MD) [][2]string {
	pairs := [][2]string{}
	for key, values := range md {
		for _, v := range values {
			if strings.HasSuffix(key, "-bin") {
				v = hex.EncodeToString([]byte(v))
			}
			pairs = append(pairs, [2]string{key, v})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i][0] < pairs[j][0] })
	return pairs
}

// sendHeaders sends the initial metadata, extra then the echoed pairs; once.
func (c *call) sendHeaders(extra ...string) error {
	if c.headersSent {
		return nil
	}
	c.headersSent = true
	return grpc.SendHeader(c.ctx, metadata.Join(metadata.Pairs(extra...), c.echo))
}

// addTrailers adds trailing metadata to the echoed pairs newCall set
// (grpc-go merges what SetTrailer is given).
func (c *call) addTrailers(pairs ...string) {
	_ = grpc.SetTrailer(c.ctx, metadata.Pairs(pairs...))
}

// fail is the error that ends the call with code and message; details
// travel in a google.rpc.Status in the grpc-status-details-bin trailer.
func (c *call) fail(code codes.Code, message string, details ...proto.Message) error {
	st := status.New(code, message)
	if len(details) > 0 {
		detailed, err := st.WithDetails(details...)
		if err != nil {
			return status.Errorf(codes.Internal, "packing details: %v", err)
		}
		st = detailed
	}
	return st.Err()
}

// wait waits d unless the call ends first. When it does, it reports a
// "deadline" or "cancelled" event (with report's fields) and returns the
// error to end the handler with; otherwise nil.
func (c *call) wait(d time.Duration, report map[string]interface{}) error {
	select {
	case <-time.After(d):
		return nil
	case <-c.ctx.Done():
	}
	seenAt := nowMs()
	left := remainingMs(c.ctx)
	byDeadline := c.ctx.Err() == context.DeadlineExceeded || (left >= 0 && left <= float64(deadlineSlack.Milliseconds()))
	fields := map[string]interface{}{
		"method": c.method, "at_ms": seenAt, "remaining_ms": left, "deadline_passed": left == 0, "is_active": c.ctx.Err() == nil,
	}
	for k, v := range report {
		fields[k] = v
	}
	event, code := "cancelled", codes.Canceled
	if byDeadline {
		event, code = "deadline", codes.DeadlineExceeded
	}
	emit(event, fields)
	name := c.method[strings.LastIndex(c.method, "/")+1:]
	return c.fail(code, name+" ended early: the call is no longer active")
}

// compressionRecorder keeps each call's request compression (grpc-encoding,
// which grpc-go leaves out of the metadata) where newCall finds it.
type compressionRecorder struct{}

type compressionKey struct{}

func (compressionRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, compressionKey{}, new(string))
}

func (compressionRecorder) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if in, ok := s.(*stats.InHeader); ok {
		if rec, ok := ctx.Value(compressionKey{}).(*string); ok {
			*rec = in.Compression
		}
	}
}

func (compressionRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (compressionRecorder) HandleConn(context.Context, stats.ConnStats) {}
