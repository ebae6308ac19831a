package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"

	lab "switchboard/gopeer/lab"
)

// labServer is switchboard.lab.Lab as the last hop of a chain (it never forwards).
type labServer struct {
	lab.UnimplementedLabServer
	mu       sync.Mutex
	attempts map[string]int32
}

// Forward reports the deadline it got, waits sleep_ms unless the call ends
// first, and answers with the path ["go"].
func (s *labServer) Forward(ctx context.Context, in *lab.ForwardRequest) (*lab.ForwardReply, error) {
	c := newCall(ctx, "/switchboard.lab.Lab/Forward")
	left := remainingMs(ctx)
	emit("forward", map[string]interface{}{"id": in.Id, "remaining_ms": left, "sleep_ms": in.SleepMs, "at_ms": nowMs()})
	if in.SleepMs > 0 {
		if err := c.wait(time.Duration(in.SleepMs)*time.Millisecond, map[string]interface{}{"id": in.Id}); err != nil {
			return nil, err
		}
	}
	if err := c.sendHeaders(); err != nil {
		return nil, err
	}
	emit("forward-done", map[string]interface{}{"id": in.Id, "at_ms": nowMs()})
	return &lab.ForwardReply{RemainingMs: left, Path: []string{"go"}}, nil
}

// Flaky fails `failures` times per key with `code` (default UNAVAILABLE),
// then succeeds. It sends no headers before failing: a Trailers-Only
// response, which a client may retry (gRFC A6 commits a call once headers
// arrive).
func (s *labServer) Flaky(ctx context.Context, in *lab.FlakyRequest) (*lab.FlakyReply, error) {
	c := newCall(ctx, "/switchboard.lab.Lab/Flaky")
	s.mu.Lock()
	s.attempts[in.Key]++
	count := s.attempts[in.Key]
	s.mu.Unlock()
	name := strings.ToUpper(strings.TrimSpace(in.Code))
	if name == "" {
		name = "UNAVAILABLE"
	}
	var code codes.Code
	if err := code.UnmarshalJSON([]byte(strconv.Quote(name))); err != nil {
		return nil, c.fail(codes.InvalidArgument, fmt.Sprintf("unknown code %q", in.Code))
	}
	failing := count <= in.Failures
	reported := "OK"
	if failing {
		reported = name
	}
	emit("flaky", map[string]interface{}{"key": in.Key, "attempt": count, "code": reported})
	if failing {
		return nil, c.fail(code, fmt.Sprintf("failure %d of %d", count, in.Failures))
	}
	return &lab.FlakyReply{Attempts: count}, nil
}
