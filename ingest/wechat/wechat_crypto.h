#ifndef MINSHENG_INGEST_WECHAT_WECHAT_CRYPTO_H_
#define MINSHENG_INGEST_WECHAT_WECHAT_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Primitives of the WeChat official account (微信公众号) message push protocol, as in WeChat's
// "消息加解密" documentation. Transport and replay checks (timestamp age, nonce reuse) belong
// to the caller.
namespace minsheng::ingest::wechat {

// WeChat's signature: SHA1 over the lexicographically sorted, concatenated parts, in lowercase
// hex. Parts are (token, timestamp, nonce) for URL verification and plain-mode pushes, and
// (token, timestamp, nonce, encrypt) for msg_signature in safe mode.
std::string Signature(std::vector<std::string> parts);

// Whether `signature` is Signature(parts). Compares in constant time so that a forger cannot
// learn the expected signature byte by byte from response times.
bool VerifySignature(absl::string_view signature, std::vector<std::string> parts);

// Safe mode (安全模式) message encryption: AES-256-CBC with the key from EncodingAESKey, IV the
// key's first 16 bytes, PKCS#7 padding to 32-byte blocks, and the plaintext framed as
// random(16) + big-endian uint32 length + message + app id.
class MessageCrypto {
 public:
  // Fails with InvalidArgument ("wechat-aes-key: ...") unless `encoding_aes_key` is the 43
  // base64 characters the account's console shows, which decode to a 32-byte key.
  static absl::StatusOr<MessageCrypto> Create(absl::string_view token,
                                              absl::string_view encoding_aes_key,
                                              absl::string_view app_id);

  // The message inside an <Encrypt> value. Any input is safe to pass: a rejection is
  // InvalidArgument starting with "Encrypt: ", including a message meant for another app id.
  // Does not check msg_signature; do that first with VerifySignature.
  absl::StatusOr<std::string> Decrypt(absl::string_view encrypt_base64) const;

  // The base64 <Encrypt> value for `plaintext`. `random16` must be 16 fresh random bytes in
  // production (the IV is fixed, so they are what keeps equal replies from encrypting alike);
  // tests pass a constant to compare with known vectors. Empty only if OpenSSL itself fails.
  std::string Encrypt(absl::string_view plaintext, absl::string_view random16) const;

  const std::string& token() const { return token_; }
  const std::string& app_id() const { return app_id_; }

 private:
  MessageCrypto(absl::string_view token, const std::array<uint8_t, 32>& key,
                absl::string_view app_id);

  std::string token_;
  std::array<uint8_t, 32> key_;
  std::string app_id_;
};

}  // namespace minsheng::ingest::wechat

#endif  // MINSHENG_INGEST_WECHAT_WECHAT_CRYPTO_H_
