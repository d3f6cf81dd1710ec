#include "server/masking.h"

#include "ingest/personal_data.h"

namespace minsheng::server {

v1::Case ForDisplay(v1::Case c) {
  v1::Complaint& complaint = *c.mutable_complaint();
  complaint.clear_caller_phone_sealed();
  complaint.clear_wechat_openid_sealed();
  // Stored values are masked already; masking again is harmless and guards older records.
  complaint.set_caller_phone(ingest::MaskIdentifier(complaint.caller_phone()));
  complaint.set_wechat_openid(ingest::MaskIdentifier(complaint.wechat_openid()));
  return c;
}

}  // namespace minsheng::server
