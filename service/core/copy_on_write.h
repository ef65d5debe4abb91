// A value shared with readers by reference count and copied only when it is changed while one
// of them still holds it. The journal's state keeps each public Room and Battle this way, so a
// snapshot takes references under the journal's lock and copies nothing until it has let go.
#ifndef LIVEEVENTS_SERVICE_CORE_COPY_ON_WRITE_H_
#define LIVEEVENTS_SERVICE_CORE_COPY_ON_WRITE_H_

#include <memory>
#include <utility>

namespace liveevents::service {

// Not thread-safe itself: the owner serialises Mutable() and Share() (the journal's lock).
// What Share() returns may be read on any thread, and stays unchanged while it is held.
template <typename T>
class CopyOnWrite {
 public:
  CopyOnWrite() : value_(std::make_shared<T>()) {}
  explicit CopyOnWrite(T value) : value_(std::make_shared<T>(std::move(value))) {}

  const T& operator*() const { return *value_; }
  const T* operator->() const { return value_.get(); }

  // The value to change in place; a copy first when a reader holds the current one. Shares are
  // only taken under the owner's lock, so a count of one cannot grow while the caller holds it.
  T& Mutable() {
    if (value_.use_count() > 1) value_ = std::make_shared<T>(*value_);
    return *value_;
  }

  // A reference for a reader; the value it sees never changes.
  std::shared_ptr<const T> Share() const { return value_; }

 private:
  std::shared_ptr<T> value_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_COPY_ON_WRITE_H_
