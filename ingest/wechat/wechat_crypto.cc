#include "ingest/wechat/wechat_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace minsheng::ingest::wechat {
namespace {

constexpr size_t kEncodingAesKeyChars = 43;
constexpr size_t kRandomBytes = 16;
constexpr size_t kLengthBytes = 4;
// WeChat pads to 32-byte blocks, not AES's 16, so pad values run 1..32.
constexpr size_t kPadBlock = 32;
constexpr size_t kAesBlock = 16;
// Decrypt echoes at most this much of a foreign app id, enough to recognise a misconfiguration.
constexpr size_t kMaxEchoedAppIdBytes = 64;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status EncryptError(absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("Encrypt: ", reason));
}

bool IsBase64Char(char c) { return absl::ascii_isalnum(c) || c == '+' || c == '/'; }

// EVP_DecodeBlock skips surrounding whitespace, accepts '=' anywhere and returns the padding as
// zero bytes, so the input is validated here and the padding subtracted.
std::optional<std::string> Base64Decode(absl::string_view in) {
  if (in.size() % 4 != 0 || in.size() > static_cast<size_t>(INT_MAX)) return std::nullopt;
  if (in.empty()) return std::string();
  size_t padding = 0;
  if (in.back() == '=') ++padding;
  if (in[in.size() - 2] == '=') ++padding;
  for (size_t i = 0; i < in.size() - padding; ++i) {
    if (!IsBase64Char(in[i])) return std::nullopt;
  }
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(in),
                                static_cast<int>(in.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) return std::nullopt;
  out.resize(out.size() - padding);
  return out;
}

std::string Base64Encode(absl::string_view in) {
  // EVP_EncodeBlock writes a terminating NUL after the 4 * ceil(n / 3) characters.
  std::string out((in.size() + 2) / 3 * 4 + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), Bytes(in),
                                static_cast<int>(in.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// AES-256-CBC over whole blocks; padding is WeChat's, handled by the callers.
std::optional<std::string> Cbc(bool encrypt, const std::array<uint8_t, 32>& key,
                               absl::string_view in) {
  if (in.size() % kAesBlock != 0 || in.size() > static_cast<size_t>(INT_MAX) - kAesBlock) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  if (ctx == nullptr ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), key.data(),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return std::nullopt;
  }
  std::string out(in.size() + kAesBlock, '\0');
  unsigned char* dst = reinterpret_cast<unsigned char*>(out.data());
  int written = 0, final_written = 0;
  if (EVP_CipherUpdate(ctx.get(), dst, &written, Bytes(in), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), dst + written, &final_written) != 1) {
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(written) + static_cast<size_t>(final_written));
  return out;
}

}  // namespace

std::string Signature(std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end());
  const std::string joined = absl::StrJoin(parts, "");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(joined.data(), joined.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1) {
    return std::string();  // matches no signature, so verification fails closed
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), digest_size));
}

bool VerifySignature(absl::string_view signature, std::vector<std::string> parts) {
  const std::string expected = Signature(std::move(parts));
  return !expected.empty() && signature.size() == expected.size() &&
         CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

absl::StatusOr<MessageCrypto> MessageCrypto::Create(absl::string_view token,
                                                    absl::string_view encoding_aes_key,
                                                    absl::string_view app_id) {
  // An empty token would let anyone compute valid signatures.
  if (token.empty()) return absl::InvalidArgumentError("wechat-token: missing");
  if (app_id.empty()) return absl::InvalidArgumentError("wechat-app-id: missing");
  if (encoding_aes_key.size() != kEncodingAesKeyChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("wechat-aes-key: must be 43 characters, got ", encoding_aes_key.size()));
  }
  const std::optional<std::string> key = Base64Decode(absl::StrCat(encoding_aes_key, "="));
  if (!key.has_value()) return absl::InvalidArgumentError("wechat-aes-key: not base64");
  std::array<uint8_t, 32> key_bytes;
  if (key->size() != key_bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("wechat-aes-key: decodes to ", key->size(), " bytes, not 32"));
  }
  std::copy(key->begin(), key->end(), key_bytes.begin());
  return MessageCrypto(token, key_bytes, app_id);
}

MessageCrypto::MessageCrypto(absl::string_view token, const std::array<uint8_t, 32>& key,
                             absl::string_view app_id)
    : token_(token), key_(key), app_id_(app_id) {}

absl::StatusOr<std::string> MessageCrypto::Decrypt(absl::string_view encrypt_base64) const {
  const std::optional<std::string> cipher = Base64Decode(encrypt_base64);
  if (!cipher.has_value()) return EncryptError("not valid base64");
  if (cipher->empty() || cipher->size() % kAesBlock != 0) {
    return EncryptError(
        absl::StrCat("length ", cipher->size(), " is not a positive multiple of 16 bytes"));
  }
  std::optional<std::string> plain = Cbc(/*encrypt=*/false, key_, *cipher);
  if (!plain.has_value()) return EncryptError("AES decryption failed");

  const size_t pad = static_cast<unsigned char>(plain->back());
  if (pad < 1 || pad > kPadBlock || pad > plain->size() ||
      std::any_of(plain->end() - static_cast<std::ptrdiff_t>(pad), plain->end(),
                  [pad](char c) { return static_cast<unsigned char>(c) != pad; })) {
    // Also what a wrong EncodingAESKey looks like.
    return EncryptError("bad PKCS#7 padding (wrong key?)");
  }
  const absl::string_view body = absl::string_view(*plain).substr(0, plain->size() - pad);
  if (body.size() < kRandomBytes + kLengthBytes) return EncryptError("too short");
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(body[i])); };
  const size_t msg_len = (byte(16) << 24) | (byte(17) << 16) | (byte(18) << 8) | byte(19);
  const size_t available = body.size() - kRandomBytes - kLengthBytes;
  if (msg_len > available) {
    return EncryptError(
        absl::StrCat("message length ", msg_len, " exceeds the ", available, " bytes decrypted"));
  }
  const absl::string_view app_id = body.substr(kRandomBytes + kLengthBytes + msg_len);
  if (app_id != app_id_) {
    return EncryptError(absl::StrCat(
        "app id mismatch: got \"", absl::CHexEscape(app_id.substr(0, kMaxEchoedAppIdBytes)), "\""));
  }
  return std::string(body.substr(kRandomBytes + kLengthBytes, msg_len));
}

std::string MessageCrypto::Encrypt(absl::string_view plaintext, absl::string_view random16) const {
  assert(random16.size() == kRandomBytes);
  std::string body(random16.substr(0, kRandomBytes));
  body.resize(kRandomBytes, '\0');
  const uint32_t len = static_cast<uint32_t>(plaintext.size());
  for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<char>(len >> shift));
  absl::StrAppend(&body, plaintext, app_id_);
  const size_t pad = kPadBlock - body.size() % kPadBlock;
  body.append(pad, static_cast<char>(pad));
  const std::optional<std::string> cipher = Cbc(/*encrypt=*/true, key_, body);
  return cipher.has_value() ? Base64Encode(*cipher) : std::string();
}

}  // namespace minsheng::ingest::wechat
