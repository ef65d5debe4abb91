#include "common/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace liveevents::metrics {
namespace {

// Shortest text that reads back as `value`; Prometheus' spellings of the special values.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

// Label values may hold anything; the format escapes backslash, double quote and newline.
void AppendEscaped(absl::string_view value, std::string& out) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// HELP text escapes only backslash and newline.
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` (plus an extra label such as le), or nothing when there are no labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      absl::string_view extra_name = "", absl::string_view extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, names[i], "=\"");
    AppendEscaped(values[i], out);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    absl::StrAppend(&out, extra_name, "=\"");
    AppendEscaped(extra_value, out);
    out += '"';
  }
  out += '}';
  return out;
}

void AppendHeader(const std::string& name, const std::string& help, absl::string_view type,
                  std::string& out) {
  absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(help), "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();  // le: <=
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> PowersOfTwo(double max) {
  std::vector<double> bounds;
  for (double bound = 1; bound <= max; bound *= 2) bounds.push_back(bound);
  return bounds;
}

CallbackRegistration& CallbackRegistration::operator=(CallbackRegistration&& other) noexcept {
  if (this != &other) {
    if (registry_ != nullptr) registry_->RemoveCallback(id_);
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

CallbackRegistration::~CallbackRegistration() {
  if (registry_ != nullptr) registry_->RemoveCallback(id_);
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Family<Counter>>& family = counters_[name];
  if (family == nullptr) {
    family.reset(new Family<Counter>(name, help, std::move(label_names),
                                     [] { return std::make_unique<Counter>(); }));
  }
  return *family;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Family<Gauge>>& family = gauges_[name];
  if (family == nullptr) {
    family.reset(new Family<Gauge>(name, help, std::move(label_names),
                                   [] { return std::make_unique<Gauge>(); }));
  }
  return *family;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Family<Histogram>>& family = histograms_[name];
  if (family == nullptr) {
    family.reset(new Family<Histogram>(
        name, help, std::move(label_names),
        [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); }));
  }
  return *family;
}

CallbackRegistration Registry::AddCallbackGauge(const std::string& name, const std::string& help,
                                                std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_callback_id_++;
  callbacks_[id] = CallbackGauge{name, help, std::move(read)};
  return CallbackRegistration(this, id);
}

void Registry::RemoveCallback(uint64_t id) {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

std::string Registry::Render() const {
  // Each family renders into its own text; the map orders the families by name.
  std::map<std::string, std::string> texts;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, family] : counters_) {
    std::string& out = texts[name];
    AppendHeader(name, family->help_, "counter", out);
    absl::MutexLock family_lock(&family->mu_);
    for (const auto& [values, counter] : family->children_) {
      absl::StrAppend(&out, name, LabelText(family->label_names_, values), " ", counter->Value(),
                      "\n");
    }
  }
  for (const auto& [name, family] : gauges_) {
    std::string& out = texts[name];
    AppendHeader(name, family->help_, "gauge", out);
    absl::MutexLock family_lock(&family->mu_);
    for (const auto& [values, gauge] : family->children_) {
      absl::StrAppend(&out, name, LabelText(family->label_names_, values), " ",
                      FormatValue(gauge->Value()), "\n");
    }
  }
  for (const auto& [name, family] : histograms_) {
    std::string& out = texts[name];
    AppendHeader(name, family->help_, "histogram", out);
    absl::MutexLock family_lock(&family->mu_);
    for (const auto& [values, histogram] : family->children_) {
      const Histogram::Snapshot snapshot = histogram->Read();
      const std::vector<double>& bounds = histogram->bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        const std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket", LabelText(family->label_names_, values, "le", le),
                        " ", snapshot.cumulative[i], "\n");
      }
      const std::string labels = LabelText(family->label_names_, values);
      absl::StrAppend(&out, name, "_sum", labels, " ", FormatValue(snapshot.sum), "\n", name,
                      "_count", labels, " ", snapshot.cumulative.back(), "\n");
    }
  }
  // The newest registration of each callback name wins (ids grow).
  std::map<std::string, const CallbackGauge*> newest;
  for (const auto& [id, callback] : callbacks_) newest[callback.name] = &callback;
  for (const auto& [name, callback] : newest) {
    std::string& out = texts[name];
    if (!out.empty()) continue;  // Also a family of another kind: keep the format valid.
    AppendHeader(name, callback->help, "gauge", out);
    absl::StrAppend(&out, name, " ", FormatValue(callback->read()), "\n");
  }
  std::string all;
  for (const auto& [name, text] : texts) all += text;
  return all;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace liveevents::metrics
