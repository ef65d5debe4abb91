#include "common/metrics/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"

namespace liveevents::metrics {
namespace {

TEST(MetricsTest, RendersCounterWithLabelsAndHelp) {
  Registry registry;
  Family<Counter>& family = registry.AddCounter("requests_total", "Requests seen", {"kind"});
  family.With({"a"}).Increment(3);
  family.With({"b"}).Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP requests_total Requests seen\n"
            "# TYPE requests_total counter\n"
            "requests_total{kind=\"a\"} 3\n"
            "requests_total{kind=\"b\"} 1\n");
}

TEST(MetricsTest, WithReturnsTheSameChildAndAddReturnsTheSameFamily) {
  Registry registry;
  Counter& first = registry.AddCounter("x_total", "X", {"l"}).With({"v"});
  Counter& again = registry.AddCounter("x_total", "other help", {"l"}).With({"v"});
  EXPECT_EQ(&first, &again);
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.AddGauge("g", "back\\slash\nnewline", {"l"}).With({"q\"b\\n\n"}).Set(1.5);
  EXPECT_EQ(registry.Render(),
            "# HELP g back\\\\slash\\nnewline\n"
            "# TYPE g gauge\n"
            "g{l=\"q\\\"b\\\\n\\n\"} 1.5\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("h_seconds", "H", {}, {0.1, 1}).With({});
  histogram.Observe(0.05);
  histogram.Observe(0.1);  // Bounds are inclusive (le).
  histogram.Observe(0.5);
  histogram.Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP h_seconds H\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"0.1\"} 2\n"
            "h_seconds_bucket{le=\"1\"} 3\n"
            "h_seconds_bucket{le=\"+Inf\"} 4\n"
            "h_seconds_sum 7.65\n"
            "h_seconds_count 4\n");
}

TEST(MetricsTest, CallbackGaugeIsReadAtRenderAndGoneWithItsRegistration) {
  Registry registry;
  double value = 1;
  {
    CallbackRegistration registration =
        registry.AddCallbackGauge("depth", "Depth", [&value] { return value; });
    value = 42;
    EXPECT_EQ(registry.Render(), "# HELP depth Depth\n# TYPE depth gauge\ndepth 42\n");
    // The newest registration of a name is the one shown.
    CallbackRegistration newer = registry.AddCallbackGauge("depth", "Depth", [] { return 7.0; });
    EXPECT_TRUE(absl::StrContains(registry.Render(), "depth 7\n"));
  }
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsTest, FamiliesAreSortedByName) {
  Registry registry;
  registry.AddGauge("b", "B").With({}).Set(1);
  registry.AddCounter("a_total", "A").With({}).Increment();
  const std::string text = registry.Render();
  EXPECT_LT(text.find("a_total"), text.find("# HELP b"));
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  Counter& counter = registry.AddCounter("c_total", "C").With({});
  Histogram& histogram = registry.AddHistogram("h", "H", {}, {1}).With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.Increment();
        histogram.Observe(0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.Value(), 40000u);
  EXPECT_EQ(histogram.Read().cumulative.back(), 40000u);
  EXPECT_DOUBLE_EQ(histogram.Read().sum, 20000);
}

}  // namespace
}  // namespace liveevents::metrics
