// The tunables of one Subscribe stream, set by flags in main.cc.
#ifndef LIVEEVENTS_SERVICE_SUBSCRIBE_OPTIONS_H_
#define LIVEEVENTS_SERVICE_SUBSCRIBE_OPTIONS_H_

#include <cstddef>

namespace liveevents::service {

struct SubscribeOptions {
  size_t max_queue = 1024;      // Responses waiting to be written before SLOW_CONSUMER.
  size_t journal_page = 256;    // Events read from the store per catch-up step.
  size_t snapshot_chunk = 200;  // Rooms plus battles per snapshot message (and at most
                                // kMaxPageBytes of them).
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SUBSCRIBE_OPTIONS_H_
