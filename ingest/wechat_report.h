#ifndef MINSHENG_INGEST_WECHAT_REPORT_H_
#define MINSHENG_INGEST_WECHAT_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/personal_data.h"
#include "ingest/wechat/wechat_message.h"
#include "minsheng/v1/complaint.pb.h"

namespace minsheng::ingest {

// A citizen's WeChat message as minsheng keeps it on minsheng.intake.wechat.v1 (README "WeChat
// intake record"): the message's own fields, with the openid only sealed, masked and as a
// pseudonym, never in the clear.
struct WeChatReport {
  std::string msg_id;
  std::string msg_type;  // text, location, image or voice
  int64_t create_time = 0;
  std::string account;  // the official account (ToUserName)
  std::string openid_pseudonym;
  std::string openid_masked;
  std::string openid_sealed;  // PersonalDataVault::Seal of the openid
  std::string content;        // text, or a voice message's recognition
  std::optional<v1::GeoPoint> location;
  std::string label;  // what WeChat says the location is
  std::string pic_url;
  std::string media_id;
};

inline constexpr size_t kMaxWeChatReportBytes = 16 * 1024;

// Whether minsheng makes complaints of this message type.
bool IsReportType(absl::string_view msg_type);

std::string WeChatReportJson(const wechat::WeChatMessage& message, const PersonalDataVault& vault);
// Errors name the field, as dead-letter reasons.
absl::StatusOr<WeChatReport> ParseWeChatReport(absl::string_view json);

// What a report adds to a complaint: its words, place and picture. The first report of a
// complaint also sets who reported it and when.
void AddReportToComplaint(const WeChatReport& report, v1::Complaint& complaint);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_WECHAT_REPORT_H_
