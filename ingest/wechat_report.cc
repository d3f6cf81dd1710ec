#include "ingest/wechat_report.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ingest/json_fields.h"
#include "ingest/utf8.h"

namespace minsheng::ingest {
namespace {

using Json = nlohmann::json;

constexpr int64_t kLastCreateTime = 253402300799;  // 9999-12-31T23:59:59Z

// WeChat's CreateTime is Unix time; the citizens it serves are in China Standard Time.
constexpr int kChinaUtcOffsetSeconds = 8 * 3600;

}  // namespace

bool IsReportType(absl::string_view msg_type) {
  return msg_type == "text" || msg_type == "location" || msg_type == "image" || msg_type == "voice";
}

std::string WeChatReportJson(const wechat::WeChatMessage& message, const PersonalDataVault& vault) {
  Json report = {
      {"msg_id", message.msg_id},
      {"msg_type", message.msg_type},
      {"create_time", message.create_time},
      {"account", message.to_user},
      {"openid_pseudonym", vault.Pseudonym(message.from_user)},
      {"openid_masked", MaskIdentifier(message.from_user)},
      {"openid_sealed", absl::Base64Escape(vault.Seal(message.from_user))},
  };
  if (message.msg_type == "text") report["content"] = message.content;
  if (message.msg_type == "voice") {
    report["content"] = message.recognition;
    report["media_id"] = message.media_id;
  }
  if (message.msg_type == "location") {
    report["location"] = {{"lat", message.location_x}, {"lon", message.location_y}};
    report["label"] = message.label;
  }
  if (message.msg_type == "image") {
    report["pic_url"] = message.pic_url;
    report["media_id"] = message.media_id;
  }
  return report.dump();
}

absl::StatusOr<WeChatReport> ParseWeChatReport(absl::string_view json) {
  if (json.size() > kMaxWeChatReportBytes) return FieldError("report", "too large");
  if (FindInvalidUtf8(json)) return FieldError("report", "invalid UTF-8");
  Json object = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return FieldError("report", "not a JSON object");
  WeChatReport report;
  for (const auto& [field, target] : {std::pair{"msg_id", &report.msg_id},
                                      {"msg_type", &report.msg_type},
                                      {"openid_pseudonym", &report.openid_pseudonym}}) {
    auto it = object.find(field);
    if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
      return FieldError(field, "missing");
    }
    *target = it->get<std::string>();
  }
  if (!IsReportType(report.msg_type)) {
    return FieldError("msg_type", absl::StrCat("not a report: ", report.msg_type));
  }
  auto time = object.find("create_time");
  if (time == object.end() || !time->is_number_integer()) {
    return FieldError("create_time", "missing");
  }
  report.create_time = time->get<int64_t>();
  // Unix seconds up to 9999-12-31, as a protobuf Timestamp holds; beyond it, time arithmetic on
  // the assembly window would overflow.
  if (report.create_time < 0 || report.create_time > kLastCreateTime) {
    return FieldError("create_time", "out of range");
  }
  for (const auto& [field, target] : {std::pair{"account", &report.account},
                                      {"openid_masked", &report.openid_masked},
                                      {"content", &report.content},
                                      {"label", &report.label},
                                      {"pic_url", &report.pic_url},
                                      {"media_id", &report.media_id}}) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) continue;
    if (!it->is_string()) return FieldError(field, "must be a string");
    *target = it->get<std::string>();
  }
  if (auto sealed = object.find("openid_sealed"); sealed != object.end() && sealed->is_string()) {
    if (!absl::Base64Unescape(sealed->get<std::string>(), &report.openid_sealed)) {
      return FieldError("openid_sealed", "not base64");
    }
  }
  if (auto location = object.find("location"); location != object.end()) {
    if (!location->is_object() || !(*location)["lat"].is_number() ||
        !(*location)["lon"].is_number()) {
      return FieldError("location", "needs numbers lat and lon");
    }
    v1::GeoPoint point;
    point.set_lat((*location)["lat"].get<double>());
    point.set_lon((*location)["lon"].get<double>());
    if (std::abs(point.lat()) > 90 || std::abs(point.lon()) > 180) {
      return FieldError("location", "out of range");
    }
    report.location = point;
  }
  if (report.msg_type == "text" && report.content.empty()) return FieldError("content", "missing");
  return report;
}

void AddReportToComplaint(const WeChatReport& report, v1::Complaint& complaint) {
  if (complaint.source_id().empty()) {
    complaint.set_channel(v1::CHANNEL_WECHAT);
    complaint.set_source_id(report.msg_id);
    complaint.mutable_received_at()->set_seconds(report.create_time);
    complaint.set_received_utc_offset_seconds(kChinaUtcOffsetSeconds);
    complaint.set_urgency(v1::URGENCY_NORMAL);
    complaint.set_wechat_openid(report.openid_masked);
    complaint.set_wechat_openid_sealed(report.openid_sealed);
    complaint.set_reporter_pseudonym(report.openid_pseudonym);
  }
  if (!report.content.empty()) {
    complaint.set_content(complaint.content().empty()
                              ? report.content
                              : absl::StrCat(complaint.content(), "\n", report.content));
  }
  if (report.location) *complaint.mutable_location() = *report.location;
  if (!report.label.empty() && complaint.address().empty()) complaint.set_address(report.label);
  if (!report.pic_url.empty()) complaint.add_media_urls(report.pic_url);
}

}  // namespace minsheng::ingest
