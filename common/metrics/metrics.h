// A small Prometheus client: counters, gauges and histograms with labels, gauges read from a
// callback at scrape time, and the text exposition format 0.0.4 of all of them. Debian 12 has
// no prometheus-cpp; this is the one place that knows the format.
//
// Hot path: callers resolve a labelled child once (Family::With at setup) and keep the
// reference; Increment/Set/Observe are then relaxed atomics, no lock and no allocation. Label
// lookups take the family's mutex and belong at setup time, not per request.
#ifndef LIVEEVENTS_COMMON_METRICS_METRICS_H_
#define LIVEEVENTS_COMMON_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace liveevents::metrics {

// A monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implicit). Each
// observation touches one bucket and the sum; the cumulative counts are summed at scrape time.
// Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // One per bound, then +Inf (== count).
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1.
  std::atomic<double> sum_{0};
};

// Bucket bounds for latencies in seconds, 100 µs .. 10 s.
std::vector<double> LatencyBuckets();
// Powers of two 1 .. `max` (for sizes and counts).
std::vector<double> PowersOfTwo(double max);

// Every child of one metric name, one per combination of label values.
template <typename T>
class Family {
 public:
  // The child for `values` (one per label name, in order), created on first use. The reference
  // stays valid as long as the registry. Takes a mutex: resolve at setup time, not per request.
  T& With(std::vector<std::string> values) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_ ABSL_GUARDED_BY(mu_);
};

class Registry;

// Keeps a callback gauge registered; unregisters it when destroyed.
class CallbackRegistration {
 public:
  CallbackRegistration() = default;
  CallbackRegistration(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  CallbackRegistration(CallbackRegistration&& other) noexcept { *this = std::move(other); }
  CallbackRegistration& operator=(CallbackRegistration&& other) noexcept;
  ~CallbackRegistration();

 private:
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Adding a name again returns the existing family (its help and labels stay the first ones),
  // so that code running once per object can register what it uses. Names follow Prometheus
  // conventions (snake_case, base units, counters end in _total). Thread-safe.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);

  // A gauge without labels whose value `read` computes at scrape time (on the scraping thread;
  // it must be thread-safe and quick). While several are registered under one name, the newest
  // is shown. Keep the registration no longer than what `read` uses.
  [[nodiscard]] CallbackRegistration AddCallbackGauge(const std::string& name,
                                                      const std::string& help,
                                                      std::function<double()> read);

  // Everything in the text exposition format 0.0.4, families sorted by name. Thread-safe.
  std::string Render() const;

 private:
  friend class CallbackRegistration;
  struct CallbackGauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  void RemoveCallback(uint64_t id);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, CallbackGauge> callbacks_ ABSL_GUARDED_BY(mu_);
  uint64_t next_callback_id_ ABSL_GUARDED_BY(mu_) = 1;
};

// The process's registry, the one --metrics_address serves. Never destroyed.
Registry& DefaultRegistry();

template <typename T>
T& Family<T>::With(std::vector<std::string> values) {
  absl::MutexLock lock(&mu_);
  values.resize(label_names_.size());
  std::unique_ptr<T>& child = children_[std::move(values)];
  if (child == nullptr) child = make_();
  return *child;
}

}  // namespace liveevents::metrics

#endif  // LIVEEVENTS_COMMON_METRICS_METRICS_H_
