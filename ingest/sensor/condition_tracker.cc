#include "ingest/sensor/condition_tracker.h"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace minsheng::ingest::sensor {
namespace {

// Layout, little-endian: version (1 byte), flags (1: bit 0 = active), then above_since,
// last_observed and raised_at as 13 bytes each (TimeTag, Unix seconds as int64, quarter
// nanoseconds within the second as uint32), then peak as the 8 bytes of a double.
constexpr uint8_t kVersion = 1;
constexpr uint8_t kActive = 1;
constexpr size_t kTimeBytes = 1 + 8 + 4;
constexpr size_t kEncodedBytes = 2 + 3 * kTimeBytes + 8;
enum TimeTag : uint8_t { kFinite = 0, kPast = 1, kFuture = 2 };
// absl::Time's resolution.
const absl::Duration kTick = absl::Nanoseconds(1) / 4;
constexpr int64_t kTicksPerSecond = 4'000'000'000;

void PutUint(uint64_t value, int bytes, std::string& out) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t GetUint(absl::string_view& in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  in.remove_prefix(bytes);
  return value;
}

void PutTime(absl::Time time, std::string& out) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) {
    out.push_back(static_cast<char>(time == absl::InfinitePast() ? kPast : kFuture));
    PutUint(0, 12, out);
    return;
  }
  out.push_back(static_cast<char>(kFinite));
  const int64_t seconds = absl::ToUnixSeconds(time);  // rounds down
  absl::Duration rest;
  const int64_t ticks = absl::IDivDuration(time - absl::FromUnixSeconds(seconds), kTick, &rest);
  PutUint(static_cast<uint64_t>(seconds), 8, out);
  PutUint(static_cast<uint64_t>(ticks), 4, out);
}

absl::StatusOr<absl::Time> GetTime(absl::string_view& in) {
  const auto tag = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  const auto seconds = static_cast<int64_t>(GetUint(in, 8));
  const auto ticks = static_cast<int64_t>(GetUint(in, 4));
  switch (tag) {
    case kFinite:
      if (ticks >= kTicksPerSecond) break;
      return absl::FromUnixSeconds(seconds) + kTick * ticks;
    case kPast:
    case kFuture:
      if (seconds != 0 || ticks != 0) break;
      return tag == kPast ? absl::InfinitePast() : absl::InfiniteFuture();
  }
  return absl::DataLossError("condition state: corrupt time");
}

}  // namespace

std::string EncodeState(const ConditionState& state) {
  std::string out;
  out.reserve(kEncodedBytes);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(state.active ? kActive : 0));
  PutTime(state.above_since, out);
  PutTime(state.last_observed, out);
  PutTime(state.raised_at, out);
  PutUint(std::bit_cast<uint64_t>(state.peak), 8, out);
  return out;
}

absl::StatusOr<ConditionState> DecodeState(absl::string_view bytes) {
  if (bytes.size() != kEncodedBytes) {
    return absl::DataLossError(
        absl::StrCat("condition state: ", bytes.size(), " bytes, expected ", kEncodedBytes));
  }
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return absl::DataLossError(absl::StrCat("condition state: unknown version ",
                                            static_cast<int>(static_cast<uint8_t>(bytes[0]))));
  }
  const auto flags = static_cast<uint8_t>(bytes[1]);
  if ((flags & ~kActive) != 0) return absl::DataLossError("condition state: unknown flags");
  bytes.remove_prefix(2);
  ConditionState state;
  state.active = (flags & kActive) != 0;
  for (absl::Time* time : {&state.above_since, &state.last_observed, &state.raised_at}) {
    auto decoded = GetTime(bytes);
    if (!decoded.ok()) return decoded.status();
    *time = *decoded;
  }
  state.peak = std::bit_cast<double>(GetUint(bytes, 8));
  return state;
}

absl::string_view TransitionName(Transition transition) {
  switch (transition) {
    case Transition::kNone:
      return "none";
    case Transition::kRaised:
      return "raised";
    case Transition::kCleared:
      return "cleared";
    case Transition::kIgnoredOutOfOrder:
      return "ignored_out_of_order";
  }
  return "unknown";
}

Transition ApplyReading(const ConditionRule& rule, const SensorReading& reading,
                        ConditionState& state) {
  if (reading.kind != rule.kind) return Transition::kNone;
  if (reading.observed_at <= state.last_observed) return Transition::kIgnoredOutOfOrder;
  state.last_observed = reading.observed_at;

  if (state.active) {
    if (reading.value < rule.clear_below) {
      state.active = false;
      state.above_since = absl::InfinitePast();
      return Transition::kCleared;
    }
    state.peak = std::max(state.peak, reading.value);
    return Transition::kNone;
  }

  if (!(reading.value >= rule.raise_at)) {
    state.above_since = absl::InfinitePast();
    return Transition::kNone;
  }
  if (state.above_since == absl::InfinitePast()) {
    state.above_since = reading.observed_at;
    state.peak = reading.value;
  } else {
    state.peak = std::max(state.peak, reading.value);
  }
  if (reading.observed_at - state.above_since < rule.sustain) return Transition::kNone;
  state.active = true;
  state.raised_at = reading.observed_at;
  return Transition::kRaised;
}

}  // namespace minsheng::ingest::sensor
