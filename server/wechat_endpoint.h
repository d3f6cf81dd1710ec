#ifndef MINSHENG_SERVER_WECHAT_ENDPOINT_H_
#define MINSHENG_SERVER_WECHAT_ENDPOINT_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "ingest/personal_data.h"
#include "ingest/wechat/wechat_crypto.h"
#include "ingest/wechat/wechat_message.h"
#include "kafka/record_writer.h"
#include "processors/outcome_waiter.h"
#include "store/case_store.h"

namespace httplib {
class Server;
}

namespace minsheng::server {

// The official account's server URL (服务器配置): WeChat's push protocol over HTTP. GET verifies
// the URL; POST carries a citizen's message, in plaintext or safe mode (encrypt_type=aes), and is
// answered within WeChat's 5 s with a passive reply naming the ticket.
class WeChatEndpoint {
 public:
  struct Options {
    std::string listen = "127.0.0.1:7121";
    std::string token;
    std::string encoding_aes_key;  // empty: plaintext mode only
    std::string app_id;
  };

  static absl::StatusOr<std::unique_ptr<WeChatEndpoint>> Start(
      Options options, const store::CaseStore& store, kafka::RecordWriter& writer,
      processors::OutcomeWaiter& outcomes, const ingest::PersonalDataVault& vault);
  ~WeChatEndpoint();

  // host:port actually bound.
  const std::string& address() const { return address_; }

 private:
  struct Reply {
    int status = 200;
    std::string body;
  };
  WeChatEndpoint(Options options, const store::CaseStore& store, kafka::RecordWriter& writer,
                 processors::OutcomeWaiter& outcomes, const ingest::PersonalDataVault& vault);
  Reply Verify(const std::string& signature, const std::string& timestamp, const std::string& nonce,
               const std::string& echostr) const;
  Reply Receive(const std::string& body, const std::string& signature, const std::string& timestamp,
                const std::string& nonce, const std::string& encrypt_type,
                const std::string& msg_signature) const;
  // The text to tell the citizen, and whether a case came of it.
  std::string Answer(const ingest::wechat::WeChatMessage& message) const;

  Options options_;
  std::optional<ingest::wechat::MessageCrypto> crypto_;
  const store::CaseStore& store_;
  kafka::RecordWriter& writer_;
  processors::OutcomeWaiter& outcomes_;
  const ingest::PersonalDataVault& vault_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::string address_;
};

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_WECHAT_ENDPOINT_H_
