package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes/duration"
	"github.com/golang/protobuf/ptypes/wrappers"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	pb "switchboard/gopeer/ecommerce"
	hw "switchboard/gopeer/helloworld"
)

const ordersService = "/ecommerce.OrderManagement/"

// batchSize: processOrders sends the shipments after every this many order ids.
const batchSize = 3

// orderManagement is ecommerce.OrderManagement over an in-memory store
// seeded with the book's sample orders 102-106, kept in insertion order.
type orderManagement struct {
	pb.UnimplementedOrderManagementServer
	delay  time.Duration
	mu     sync.Mutex
	orders map[string]*pb.Order
	ids    []string
}

func newOrderManagement(delayMs int) *orderManagement {
	s := &orderManagement{delay: time.Duration(delayMs) * time.Millisecond, orders: map[string]*pb.Order{}}
	for _, o := range []*pb.Order{
		{Id: "102", Items: []string{"Google Pixel 3A", "Mac Book Pro"}, Destination: "Mountain View, CA", Price: 1800},
		{Id: "103", Items: []string{"Apple Watch S4"}, Destination: "San Jose, CA", Price: 400},
		{Id: "104", Items: []string{"Google Home Mini", "Google Nest Hub"}, Destination: "Mountain View, CA", Price: 400},
		{Id: "105", Items: []string{"Amazon Echo"}, Destination: "San Jose, CA", Price: 30},
		{Id: "106", Items: []string{"Amazon Echo", "Apple iPhone XS"}, Destination: "Mountain View, CA", Price: 300},
	} {
		s.put(o)
	}
	return s
}

func (s *orderManagement) put(o *pb.Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.Id]; !ok {
		s.ids = append(s.ids, o.Id)
	}
	s.orders[o.Id] = o
}

func (s *orderManagement) get(id string) *pb.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orders[id]
}

func (s *orderManagement) all() []*pb.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*pb.Order, 0, len(s.ids))
	for _, id := range s.ids {
		all = append(all, s.orders[id])
	}
	return all
}

func notFound(c *call, id string) error {
	return c.fail(codes.NotFound, "Order does not exist. : "+id)
}

func (s *orderManagement) AddOrder(ctx context.Context, o *pb.Order) (*wrappers.StringValue, error) {
	c := newCall(ctx, ordersService+"addOrder")
	if o.Id == "-1" {
		return nil, c.fail(codes.InvalidArgument, "Invalid information received", &errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{
				Field:       "ID",
				Description: fmt.Sprintf("Order ID received is not valid %s : %s", o.Id, o.Description),
			}},
		})
	}
	if o.Id == "-2" {
		return nil, c.fail(codes.FailedPrecondition, "Every detail type", everyDetail()...)
	}
	if s.delay > 0 {
		if err := c.wait(s.delay, map[string]interface{}{"id": o.Id}); err != nil {
			return nil, err
		}
	}
	s.put(o)
	if err := c.sendHeaders("location", "San Jose", "timestamp", time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")); err != nil {
		return nil, err
	}
	c.addTrailers("order-id", o.Id)
	emit("order-added", map[string]interface{}{"id": o.Id})
	return &wrappers.StringValue{Value: "Order Added: " + o.Id}, nil
}

// everyDetail is one of each google.rpc error detail type, with every field
// set: what addOrder of id "-2" fails with (this peer only).
func everyDetail() []proto.Message {
	return []proto.Message{
		&errdetails.ErrorInfo{Reason: "STOCK_LOW", Domain: "orders.example.com", Metadata: map[string]string{"item": "Amazon Echo"}},
		&errdetails.RetryInfo{RetryDelay: &duration.Duration{Seconds: 1, Nanos: 500000000}},
		&errdetails.DebugInfo{StackEntries: []string{"orders.go:1", "main.go:2"}, Detail: "stock check"},
		&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{Subject: "client:walkthrough", Description: "daily orders"}}},
		&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{Type: "STOCK", Subject: "Amazon Echo", Description: "none left"}}},
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "items[0]", Description: "out of stock"}}},
		&errdetails.RequestInfo{RequestId: "r-1", ServingData: "go-peer"},
		&errdetails.ResourceInfo{ResourceType: "order", ResourceName: "-2", Owner: "orders", Description: "cannot be placed"},
		&errdetails.Help{Links: []*errdetails.Help_Link{{Description: "stock levels", Url: "https://orders.example.com/stock"}}},
		&errdetails.LocalizedMessage{Locale: "en-US", Message: "Out of stock"},
	}
}

func (s *orderManagement) GetOrder(ctx context.Context, id *wrappers.StringValue) (*pb.Order, error) {
	c := newCall(ctx, ordersService+"getOrder")
	o := s.get(id.Value)
	if o == nil {
		return nil, notFound(c, id.Value)
	}
	return o, c.sendHeaders()
}

func (s *orderManagement) SearchOrders(query *wrappers.StringValue, stream pb.OrderManagement_SearchOrdersServer) error {
	c := newCall(stream.Context(), ordersService+"searchOrders")
	if err := c.sendHeaders(); err != nil {
		return err
	}
	for _, o := range s.all() {
		for _, item := range o.Items {
			if strings.Contains(item, query.Value) {
				if err := stream.Send(o); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

func (s *orderManagement) UpdateOrders(stream pb.OrderManagement_UpdateOrdersServer) error {
	c := newCall(stream.Context(), ordersService+"updateOrders")
	if err := c.sendHeaders(); err != nil {
		return err
	}
	var ids []string
	for {
		o, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&wrappers.StringValue{Value: "Orders processed " + strings.Join(ids, ", ")})
		}
		if err != nil {
			return err
		}
		s.put(o)
		ids = append(ids, o.Id)
	}
}

func (s *orderManagement) ProcessOrders(stream pb.OrderManagement_ProcessOrdersServer) error {
	c := newCall(stream.Context(), ordersService+"processOrders")
	if err := c.sendHeaders(); err != nil {
		return err
	}
	var batch []*pb.CombinedShipment // one per destination, in first-seen order
	flush := func() error {
		for _, shipment := range batch {
			if err := stream.Send(shipment); err != nil {
				return err
			}
		}
		batch = nil
		return nil
	}
	for count := 1; ; count++ {
		id, err := stream.Recv()
		if err == io.EOF {
			if stream.Context().Err() != nil {
				return stream.Context().Err()
			}
			return flush()
		}
		if err != nil {
			return err
		}
		o := s.get(id.Value)
		if o == nil {
			return notFound(c, id.Value)
		}
		var shipment *pb.CombinedShipment
		for _, b := range batch {
			if b.Id == "cmb - "+o.Destination {
				shipment = b
			}
		}
		if shipment == nil {
			shipment = &pb.CombinedShipment{Id: "cmb - " + o.Destination, Status: "Processed!"}
			batch = append(batch, shipment)
		}
		shipment.OrdersList = append(shipment.OrdersList, o)
		if count%batchSize == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

type greeter struct {
	hw.UnimplementedGreeterServer
}

func (greeter) SayHello(ctx context.Context, in *hw.HelloRequest) (*hw.HelloReply, error) {
	c := newCall(ctx, "/helloworld.Greeter/SayHello")
	return &hw.HelloReply{Message: "Hello " + in.Name}, c.sendHeaders()
}
