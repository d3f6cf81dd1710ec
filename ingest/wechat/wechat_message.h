#ifndef MINSHENG_INGEST_WECHAT_WECHAT_MESSAGE_H_
#define MINSHENG_INGEST_WECHAT_WECHAT_MESSAGE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::ingest::wechat {

// One message WeChat pushes to the official account (普通消息 or 事件推送), with the elements of
// the types minsheng can use. Fields a type does not carry stay empty or zero.
struct WeChatMessage {
  std::string to_user;      // the official account's original id (gh_...)
  std::string from_user;    // the sender's openid: stable per account, the citizen's identity
  int64_t create_time = 0;  // Unix seconds
  std::string msg_type;     // text, image, voice, location, event, or a type left to the caller
  std::string msg_id;       // absent on events; WeChat retries a push with the same id
  std::string content;      // text
  double location_x = 0, location_y = 0;  // location: latitude, longitude
  int scale = 0;
  std::string label;
  std::string pic_url, media_id;    // image; media_id also voice
  std::string format, recognition;  // voice; recognition is empty unless enabled
  std::string event, event_key;     // event: subscribe, unsubscribe, CLICK, ...
};

// Parses a decrypted (or plain-mode) message body. A rejection is InvalidArgument starting with
// the element at fault ("MsgType: missing", "xml: not well-formed ...") so it can go to a dead
// letter as is. An unknown MsgType parses with the common elements only.
absl::StatusOr<WeChatMessage> ParseMessageXml(absl::string_view xml);

// The <Encrypt> value of a safe-mode push body; "Encrypt: missing" when there is none.
absl::StatusOr<std::string> ParseEncryptedEnvelope(absl::string_view xml);

// A passive text reply. Values are CDATA-quoted so that any text, "]]>" included, survives.
std::string TextReplyXml(absl::string_view to_user, absl::string_view from_user,
                         int64_t create_time, absl::string_view content);

// The safe-mode envelope around an encrypted reply; msg_signature is
// Signature({token, timestamp, nonce, encrypt}).
std::string EncryptedReplyXml(absl::string_view encrypt, absl::string_view msg_signature,
                              int64_t timestamp, absl::string_view nonce);

}  // namespace minsheng::ingest::wechat

#endif  // MINSHENG_INGEST_WECHAT_WECHAT_MESSAGE_H_
