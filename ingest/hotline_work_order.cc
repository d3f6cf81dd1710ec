#include "ingest/hotline_work_order.h"

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ingest/json_fields.h"
#include "ingest/utf8.h"

namespace minsheng::ingest {
namespace {

using Json = nlohmann::json;

// RFC 3339 requires an explicit offset ("Z" or +hh:mm); local times without one are ambiguous
// across a city's systems, so they are rejected rather than guessed.
absl::Status ParseReceivedAt(const std::string& text, v1::Complaint& complaint) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return FieldError("received_at",
                      absl::StrCat("not an RFC 3339 time with offset (", error, "): ", text));
  }
  int offset_seconds = 0;
  if (char last = text.back(); last != 'Z' && last != 'z') {
    const absl::string_view offset = absl::string_view(text).substr(text.size() - 6);
    int hours = 0, minutes = 0;
    absl::SimpleAtoi(offset.substr(1, 2), &hours);
    absl::SimpleAtoi(offset.substr(4, 2), &minutes);
    offset_seconds = (offset[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  const int64_t seconds = absl::ToUnixSeconds(time);  // rounds down, as Timestamp wants
  complaint.mutable_received_at()->set_seconds(seconds);
  complaint.mutable_received_at()->set_nanos(
      static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  complaint.set_received_utc_offset_seconds(offset_seconds);
  return absl::OkStatus();
}

absl::StatusOr<v1::Urgency> ParseUrgency(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "normal" || text == "一般") return v1::URGENCY_NORMAL;
  if (lower == "urgent" || text == "紧急") return v1::URGENCY_URGENT;
  if (lower == "emergency" || text == "特急") return v1::URGENCY_EMERGENCY;
  return FieldError("urgency",
                    absl::StrCat("unknown value \"", text,
                                 "\" (expected normal, urgent or emergency / 一般, 紧急, 特急)"));
}

constexpr absl::string_view kKnownFields[] = {"work_order_id", "received_at", "content", "title",
                                              "caller_phone",  "caller_name", "address", "lat",
                                              "lon",           "urgency"};

bool IsKnownField(absl::string_view name) {
  for (absl::string_view known : kKnownFields) {
    if (name == known) return true;
  }
  return false;
}

const char* UrgencyText(v1::Urgency urgency) {
  switch (urgency) {
    case v1::URGENCY_URGENT:
      return "urgent";
    case v1::URGENCY_EMERGENCY:
      return "emergency";
    default:
      return "normal";
  }
}

}  // namespace

absl::StatusOr<std::string> WorkOrderJson(const v1::SubmitWorkOrderRequest& request) {
  Json order = Json::object();
  for (const auto& [name, text] : request.extra()) {
    Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      return FieldError(absl::StrCat("extra.", name), "not JSON text");
    }
    order[name] = std::move(value);
  }
  // Empty strings stay out, so ParseHotlineWorkOrder reports required ones as missing.
  const std::pair<const char*, const std::string*> texts[] = {
      {"work_order_id", &request.work_order_id()},
      {"received_at", &request.received_at()},
      {"content", &request.content()},
      {"title", &request.title()},
      {"caller_phone", &request.caller_phone()},
      {"caller_name", &request.caller_name()},
      {"address", &request.address()},
  };
  for (const auto& [name, value] : texts) {
    if (!value->empty()) order[name] = *value;
  }
  if (request.has_location()) {
    order["lat"] = request.location().lat();
    order["lon"] = request.location().lon();
  }
  order["urgency"] = UrgencyText(request.urgency());
  return order.dump();
}

absl::StatusOr<v1::Complaint> ParseHotlineWorkOrder(absl::string_view json) {
  if (json.size() > kMaxWorkOrderBytes) {
    return FieldError("work_order", absl::StrCat("too large: ", json.size(),
                                                 " bytes, the limit is ", kMaxWorkOrderBytes));
  }
  if (auto bad = FindInvalidUtf8(json)) {
    return FieldError("work_order", absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  Json object = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return FieldError("work_order", "not valid JSON");
  if (!object.is_object()) return FieldError("work_order", "must be a JSON object");

  v1::Complaint complaint;
  complaint.set_channel(v1::CHANNEL_HOTLINE);
  auto id = RequiredString(object, "work_order_id");
  if (!id.ok()) return id.status();
  if (id->size() > kMaxWorkOrderIdBytes) {
    return FieldError("work_order_id",
                      absl::StrCat("longer than ", kMaxWorkOrderIdBytes, " bytes"));
  }
  complaint.set_source_id(*std::move(id));

  auto received_at = RequiredString(object, "received_at");
  if (!received_at.ok()) return received_at.status();
  if (absl::Status s = ParseReceivedAt(*received_at, complaint); !s.ok()) return s;

  auto content = RequiredString(object, "content");
  if (!content.ok()) return content.status();
  complaint.set_content(*std::move(content));

  struct OptionalText {
    absl::string_view field;
    std::string* (v1::Complaint::*mutable_text)();
  };
  for (const OptionalText& text : {
           OptionalText{"title", &v1::Complaint::mutable_title},
           OptionalText{"caller_phone", &v1::Complaint::mutable_caller_phone},
           OptionalText{"caller_name", &v1::Complaint::mutable_caller_name},
           OptionalText{"address", &v1::Complaint::mutable_address},
       }) {
    auto value = OptionalString(object, text.field);
    if (!value.ok()) return value.status();
    if (value->has_value()) *(complaint.*text.mutable_text)() = std::move(**value);
  }

  auto location = OptionalLocation(object);
  if (!location.ok()) return location.status();
  if (location->has_value()) *complaint.mutable_location() = **location;

  auto urgency_text = OptionalString(object, "urgency");
  if (!urgency_text.ok()) return urgency_text.status();
  complaint.set_urgency(v1::URGENCY_NORMAL);
  if (urgency_text->has_value()) {
    auto urgency = ParseUrgency(**urgency_text);
    if (!urgency.ok()) return urgency.status();
    complaint.set_urgency(*urgency);
  }

  for (const auto& [name, value] : object.items()) {
    if (!IsKnownField(name)) (*complaint.mutable_extra())[name] = value.dump();
  }
  return complaint;
}

}  // namespace minsheng::ingest
