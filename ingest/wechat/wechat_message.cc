#include "ingest/wechat/wechat_message.h"

#include <cmath>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace minsheng::ingest::wechat {
namespace {

absl::Status ElementError(absl::string_view element, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(element, ": ", reason));
}

// Loads `xml` and returns its <xml> root. pugixml neither fetches external entities nor expands
// declared ones, so hostile DOCTYPEs cost nothing.
absl::StatusOr<pugi::xml_node> LoadRoot(absl::string_view xml, pugi::xml_document& doc) {
  const pugi::xml_parse_result result =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) {
    return ElementError("xml", absl::StrCat("not well-formed (", result.description(),
                                            " at offset ", result.offset, ")"));
  }
  pugi::xml_node root = doc.document_element();
  if (absl::string_view(root.name()) != "xml") return ElementError("xml", "missing root <xml>");
  return root;
}

// All text of an element: WeChat quotes strings as CDATA, and a value containing "]]>" arrives
// split over several sections, so every text and CDATA child counts. nullopt if absent.
std::optional<std::string> Text(pugi::xml_node root, const char* element) {
  const pugi::xml_node node = root.child(element);
  if (!node) return std::nullopt;
  std::string text;
  for (const pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return text;
}

// Identifiers and keywords are trimmed; citizens' words are kept as sent.
std::string Trimmed(pugi::xml_node root, const char* element) {
  std::optional<std::string> text = Text(root, element);
  return text.has_value() ? std::string(absl::StripAsciiWhitespace(*text)) : std::string();
}

absl::StatusOr<std::string> Required(pugi::xml_node root, const char* element) {
  std::string text = Trimmed(root, element);
  if (text.empty()) return ElementError(element, "missing");
  return text;
}

absl::StatusOr<double> Coordinate(pugi::xml_node root, const char* element, double limit) {
  absl::StatusOr<std::string> text = Required(root, element);
  if (!text.ok()) return text.status();
  double value = 0;
  if (!absl::SimpleAtod(*text, &value) || !std::isfinite(value)) {
    return ElementError(element, "not a number");
  }
  if (std::fabs(value) > limit) return ElementError(element, "out of range");
  return value;
}

std::string Cdata(absl::string_view text) {
  // "]]>" cannot occur inside a CDATA section: end the section after "]]" and start a new one
  // with ">".
  return absl::StrCat("<![CDATA[", absl::StrReplaceAll(text, {{"]]>", "]]]]><![CDATA[>"}}), "]]>");
}

}  // namespace

absl::StatusOr<WeChatMessage> ParseMessageXml(absl::string_view xml) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root_or = LoadRoot(xml, doc);
  if (!root_or.ok()) return root_or.status();
  const pugi::xml_node root = *root_or;

  WeChatMessage message;
  absl::StatusOr<std::string> to_user = Required(root, "ToUserName");
  if (!to_user.ok()) return to_user.status();
  message.to_user = std::move(*to_user);
  absl::StatusOr<std::string> from_user = Required(root, "FromUserName");
  if (!from_user.ok()) return from_user.status();
  message.from_user = std::move(*from_user);
  absl::StatusOr<std::string> create_time = Required(root, "CreateTime");
  if (!create_time.ok()) return create_time.status();
  if (!absl::SimpleAtoi(*create_time, &message.create_time)) {
    return ElementError("CreateTime", "not a number");
  }
  absl::StatusOr<std::string> msg_type = Required(root, "MsgType");
  if (!msg_type.ok()) return msg_type.status();
  message.msg_type = std::move(*msg_type);

  // Optional everywhere, so types minsheng does not handle yet (video, ...) keep what they have.
  message.content = Text(root, "Content").value_or("");
  message.label = Text(root, "Label").value_or("");
  message.recognition = Text(root, "Recognition").value_or("");
  message.pic_url = Trimmed(root, "PicUrl");
  message.media_id = Trimmed(root, "MediaId");
  message.format = Trimmed(root, "Format");
  message.event_key = Trimmed(root, "EventKey");

  if (message.msg_type == "event") {
    absl::StatusOr<std::string> event = Required(root, "Event");
    if (!event.ok()) return event.status();
    message.event = std::move(*event);
    return message;
  }
  absl::StatusOr<std::string> msg_id = Required(root, "MsgId");
  if (!msg_id.ok()) return msg_id.status();
  message.msg_id = std::move(*msg_id);

  if (message.msg_type == "text") {
    if (absl::StripAsciiWhitespace(message.content).empty()) {
      return ElementError("Content", "missing");
    }
  } else if (message.msg_type == "image") {
    if (message.pic_url.empty()) return ElementError("PicUrl", "missing");
  } else if (message.msg_type == "voice") {
    if (message.media_id.empty()) return ElementError("MediaId", "missing");
  } else if (message.msg_type == "location") {
    absl::StatusOr<double> x = Coordinate(root, "Location_X", 90);
    if (!x.ok()) return x.status();
    absl::StatusOr<double> y = Coordinate(root, "Location_Y", 180);
    if (!y.ok()) return y.status();
    message.location_x = *x;
    message.location_y = *y;
    if (const std::string scale = Trimmed(root, "Scale");
        !scale.empty() && !absl::SimpleAtoi(scale, &message.scale)) {
      return ElementError("Scale", "not a number");
    }
  }
  return message;
}

absl::StatusOr<std::string> ParseEncryptedEnvelope(absl::string_view xml) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = LoadRoot(xml, doc);
  if (!root.ok()) return root.status();
  return Required(*root, "Encrypt");
}

std::string TextReplyXml(absl::string_view to_user, absl::string_view from_user,
                         int64_t create_time, absl::string_view content) {
  return absl::StrCat("<xml><ToUserName>", Cdata(to_user), "</ToUserName><FromUserName>",
                      Cdata(from_user), "</FromUserName><CreateTime>", create_time,
                      "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>", Cdata(content),
                      "</Content></xml>");
}

std::string EncryptedReplyXml(absl::string_view encrypt, absl::string_view msg_signature,
                              int64_t timestamp, absl::string_view nonce) {
  return absl::StrCat("<xml><Encrypt>", Cdata(encrypt), "</Encrypt><MsgSignature>",
                      Cdata(msg_signature), "</MsgSignature><TimeStamp>", timestamp,
                      "</TimeStamp><Nonce>", Cdata(nonce), "</Nonce></xml>");
}

}  // namespace minsheng::ingest::wechat
