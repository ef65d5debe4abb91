// Wires the service's parts into a running gRPC server: store, journal, hub, the LiveEvents
// service, grpc.health.v1 and server reflection. Used by main.cc and by the tests.
#ifndef LIVEEVENTS_SERVICE_SERVER_H_
#define LIVEEVENTS_SERVICE_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "service/event_journal.h"
#include "service/journal.h"
#include "service/live_events_service.h"
#include "service/redis_journal.h"
#include "service/revision_waiter.h"
#include "service/server_credentials.h"
#include "service/store/event_store.h"
#include "service/subscriber_hub.h"

namespace liveevents::service {

// The gRPC transport's settings; a zero value keeps gRPC's own default. docs/operations.md says
// why each matters behind a load balancer.
struct GrpcTransportOptions {
  absl::Duration keepalive_time;     // Ping a connection idle this long...
  absl::Duration keepalive_timeout;  // ...and close it when the ping is not answered in time.
  // Client pings more frequent than this (without data) are answered with GOAWAY; clients may
  // ping while no call is open.
  absl::Duration min_client_ping_interval;
  // GOAWAY after this age (gRPC jitters it by 10% either way), then calls get the grace to finish
  // before the connection closes; Subscribe streams end and resume on a new connection.
  absl::Duration max_connection_age;
  absl::Duration max_connection_age_grace;
  int max_receive_message_bytes = 0;
  int max_concurrent_streams = 0;  // Per connection; a client queues further calls.
};

struct ServerOptions {
  std::string grpc_address = "127.0.0.1:50051";  // Port 0 picks a free port.
  absl::Duration progress_interval = absl::Seconds(5);
  SubscribeOptions subscribe;
  JournalOptions journal;
  int catch_up_threads = 2;
  // Non-empty: Publish needs `authorization: Bearer <publish_token>` (see PublishAuthorizer).
  std::string publish_token;
  // Non-empty: Publish needs a verified client certificate naming one of these (needs tls with
  // a client CA).
  std::vector<std::string> publishers;
  GrpcTlsOptions tls;  // Plaintext unless tls.cert_file is set.
  GrpcTransportOptions transport;
  // Set: the replica shares its journal with others through Redis (RedisJournal), and the
  // store passed to Start is ignored (may be null).
  std::optional<RedisJournalOptions> redis;
  // Counts gRPC calls (grpc_server_*) and shows the journal's revisions and the subscriber
  // count in metrics::DefaultRegistry(); the hub and the streams count there either way.
  bool metrics = false;
};

class Server {
 public:
  // Recovers the journal from `store` (or from Redis, with options.redis) and starts serving.
  // Health is SERVING once it returns, and follows the journal's health after that.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       std::unique_ptr<EventStore> store);
  ~Server();

  int port() const { return port_; }
  EventJournal& journal() { return *journal_; }

  // A channel to this server that needs no network (for tests and tools in-process).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Graceful stop: health NOT_SERVING, streams end with UNAVAILABLE and their resume revision,
  // calls in flight get until `deadline`, then the journal is flushed. Idempotent.
  void Shutdown(absl::Duration deadline);

 private:
  Server(std::unique_ptr<EventStore> store, std::unique_ptr<redis::RedisEventLog> redis_log,
         const ServerOptions& options);
  // Health of the overall service and of liveevents.v1.LiveEvents; never SERVING again once
  // Shutdown began.
  void SetServing(bool serving);
  void RegisterMetricCallbacks();

  SubscriberHub hub_;
  RevisionWaiter waiter_;  // The journal's listener: hands on to the hub.
  std::unique_ptr<EventJournal> journal_;
  std::unique_ptr<EventStore> store_;
  CatchUpWorker worker_;
  std::unique_ptr<LiveEventsService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::vector<metrics::CallbackRegistration> metric_callbacks_;  // Read this server's parts.
  int port_ = 0;
  absl::Mutex health_mu_;
  bool shut_down_ ABSL_GUARDED_BY(health_mu_) = false;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SERVER_H_
