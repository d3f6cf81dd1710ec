#include "server/wechat_endpoint.h"

#include <httplib.h>
#include <openssl/rand.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "ingest/wechat/wechat_message.h"
#include "ingest/wechat_report.h"
#include "kafka/topics.h"

namespace minsheng::server {
namespace {

namespace wechat = ingest::wechat;

// WeChat waits 5 s for an answer, then retries; answer well inside that.
constexpr absl::Duration kReplyBudget = absl::Milliseconds(4000);
constexpr size_t kMaxBodyBytes = 64 * 1024;

constexpr char kWelcome[] =
    "欢迎关注！遇到占道经营、垃圾堆积、路灯不亮等城市问题，直接发送文字、位置或照片即可反映，"
    "我们会受理并告诉您工单号。";
constexpr char kUnsupported[] = "暂不支持此类消息，请发送文字、位置、照片或语音。";
constexpr char kPending[] = "已收到您的反映，正在受理，请稍后再发送一次以获取工单号。";

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n));
  return bytes;
}

std::string RandomNonce() {
  uint32_t value = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value));
  return absl::StrCat(value);
}

}  // namespace

WeChatEndpoint::WeChatEndpoint(Options options, const store::CaseStore& store,
                               kafka::RecordWriter& writer, processors::OutcomeWaiter& outcomes,
                               const ingest::PersonalDataVault& vault)
    : options_(std::move(options)),
      store_(store),
      writer_(writer),
      outcomes_(outcomes),
      vault_(vault),
      http_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<WeChatEndpoint>> WeChatEndpoint::Start(
    Options options, const store::CaseStore& store, kafka::RecordWriter& writer,
    processors::OutcomeWaiter& outcomes, const ingest::PersonalDataVault& vault) {
  if (options.token.empty()) return absl::InvalidArgumentError("wechat-token: required");
  const size_t colon = options.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("wechat-listen: expected host:port, got ", options.listen));
  }
  std::unique_ptr<WeChatEndpoint> endpoint(
      new WeChatEndpoint(std::move(options), store, writer, outcomes, vault));
  const Options& o = endpoint->options_;
  if (!o.encoding_aes_key.empty()) {
    auto crypto = wechat::MessageCrypto::Create(o.token, o.encoding_aes_key, o.app_id);
    if (!crypto.ok()) return crypto.status();
    endpoint->crypto_ = *std::move(crypto);
  }
  httplib::Server& http = *endpoint->http_;
  http.set_payload_max_length(kMaxBodyBytes);
  WeChatEndpoint* self = endpoint.get();
  auto respond = [](httplib::Response& response, const Reply& reply) {
    response.status = reply.status;
    response.set_content(reply.body, "text/xml; charset=utf-8");
  };
  http.Get("/wechat", [self, respond](const httplib::Request& request,
                                      httplib::Response& response) {
    respond(response,
            self->Verify(request.get_param_value("signature"), request.get_param_value("timestamp"),
                         request.get_param_value("nonce"), request.get_param_value("echostr")));
  });
  http.Post("/wechat",
            [self, respond](const httplib::Request& request, httplib::Response& response) {
              respond(response, self->Receive(request.body, request.get_param_value("signature"),
                                              request.get_param_value("timestamp"),
                                              request.get_param_value("nonce"),
                                              request.get_param_value("encrypt_type"),
                                              request.get_param_value("msg_signature")));
            });
  const std::string host = o.listen.substr(0, colon);
  const int bound =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("wechat-listen: cannot listen on ", o.listen));
  }
  endpoint->address_ = absl::StrCat(host, ":", bound);
  endpoint->thread_ = std::thread([self] { self->http_->listen_after_bind(); });
  return endpoint;
}

WeChatEndpoint::~WeChatEndpoint() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

WeChatEndpoint::Reply WeChatEndpoint::Verify(const std::string& signature,
                                             const std::string& timestamp, const std::string& nonce,
                                             const std::string& echostr) const {
  if (!wechat::VerifySignature(signature, {options_.token, timestamp, nonce})) {
    return {403, ""};
  }
  return {200, echostr};
}

WeChatEndpoint::Reply WeChatEndpoint::Receive(const std::string& body, const std::string& signature,
                                              const std::string& timestamp,
                                              const std::string& nonce,
                                              const std::string& encrypt_type,
                                              const std::string& msg_signature) const {
  if (!wechat::VerifySignature(signature, {options_.token, timestamp, nonce})) {
    return {403, ""};
  }
  const bool safe_mode = encrypt_type == "aes";
  std::string xml = body;
  if (safe_mode) {
    if (!crypto_) return {400, "safe mode is not configured: start with --wechat-aes-key"};
    auto encrypted = wechat::ParseEncryptedEnvelope(body);
    if (!encrypted.ok()) return {400, std::string(encrypted.status().message())};
    if (!wechat::VerifySignature(msg_signature, {options_.token, timestamp, nonce, *encrypted})) {
      return {403, ""};
    }
    auto decrypted = crypto_->Decrypt(*encrypted);
    if (!decrypted.ok()) return {400, std::string(decrypted.status().message())};
    xml = *std::move(decrypted);
  }
  auto message = wechat::ParseMessageXml(xml);
  if (!message.ok()) return {400, std::string(message.status().message())};
  if (message->msg_type == "event" && message->event != "subscribe") return {200, "success"};

  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::string reply =
      wechat::TextReplyXml(message->from_user, message->to_user, now, Answer(*message));
  if (!safe_mode) return {200, reply};
  const std::string encrypt = crypto_->Encrypt(reply, RandomBytes(16));
  const std::string reply_nonce = RandomNonce();
  const std::string reply_timestamp = absl::StrCat(now);
  return {200,
          wechat::EncryptedReplyXml(
              encrypt, wechat::Signature({options_.token, reply_timestamp, reply_nonce, encrypt}),
              now, reply_nonce)};
}

std::string WeChatEndpoint::Answer(const wechat::WeChatMessage& message) const {
  if (message.msg_type == "event") return kWelcome;
  if (!ingest::IsReportType(message.msg_type)) return kUnsupported;
  const auto ticket_text = [](const std::string& ticket) {
    return absl::StrCat("已受理，工单号 ", ticket, "。我们会尽快处理，可凭工单号查询进度。");
  };
  // WeChat re-sends a message it got no answer for: the same MsgId gets the same ticket.
  auto known = store_.FindCaseIdBySource(v1::CHANNEL_WECHAT, message.msg_id);
  if (known.ok() && known->has_value()) return ticket_text(**known);

  const absl::Time deadline = absl::Now() + kReplyBudget;
  const std::string person = vault_.Pseudonym(message.from_user);
  auto position = writer_.Write(kafka::kWeChatIntakeTopic.name, person,
                                ingest::WeChatReportJson(message, vault_), kReplyBudget / 2);
  if (!position.ok()) {
    LogWarning("wechat message not stored: ", position.status().message());
    return kPending;  // nothing stored: WeChat's or the citizen's next try can succeed
  }
  auto outcome = outcomes_.Wait(*position, deadline);
  if (!outcome.ok() || outcome->kind == store::RecordOutcome::Kind::kRejected) {
    if (outcome.ok()) LogWarning("wechat message rejected: ", outcome->reason);
    return kPending;
  }
  return ticket_text(outcome->case_id);
}

}  // namespace minsheng::server
