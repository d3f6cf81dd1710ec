#include "ingest/personal_data.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace minsheng::ingest {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr char kSealVersion = 1;

std::string Hmac(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

}  // namespace

std::string MaskIdentifier(absl::string_view value) {
  std::string masked(value);
  if (masked.size() >= 8) {
    for (size_t i = 3; i + 4 < masked.size(); ++i) masked[i] = '*';
  } else {
    for (size_t i = 0; i + 2 < masked.size(); ++i) masked[i] = '*';
  }
  return masked;
}

absl::StatusOr<PersonalDataVault> PersonalDataVault::FromKey(absl::string_view key32) {
  if (key32.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("personal data key: expected ", kKeyBytes, " bytes, got ", key32.size()));
  }
  return PersonalDataVault(Hmac(key32, "minsheng seal v1"), Hmac(key32, "minsheng pseudonym v1"));
}

absl::StatusOr<PersonalDataVault> PersonalDataVault::OpenOrCreate(const std::string& key_file) {
  if (!std::filesystem::exists(key_file)) {
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(key_file).parent_path(), error);
    unsigned char key[kKeyBytes];
    if (RAND_bytes(key, sizeof(key)) != 1) return absl::InternalError("no random bytes for a key");
    // O_EXCL: two processes starting at once must not each write their own key.
    int fd = open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      const bool written = write(fd, key, sizeof(key)) == static_cast<ssize_t>(sizeof(key));
      const bool synced = fsync(fd) == 0;
      close(fd);
      if (!written || !synced) {
        return absl::UnavailableError(absl::StrCat("cannot write key file ", key_file));
      }
    } else if (errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat("cannot create key file ", key_file));
    }
  }
  std::ifstream in(key_file, std::ios::binary);
  std::stringstream key;
  key << in.rdbuf();
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read key file ", key_file));
  return FromKey(key.str());
}

std::string PersonalDataVault::Seal(absl::string_view plaintext) const {
  unsigned char nonce[kNonceBytes];
  RAND_bytes(nonce, sizeof(nonce));
  std::string out(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  out[0] = kSealVersion;
  std::copy(nonce, nonce + kNonceBytes, out.begin() + 1);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int length = 0;
  auto* cipher = reinterpret_cast<unsigned char*>(out.data() + 1 + kNonceBytes);
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(seal_key_.data()), nonce);
  EVP_EncryptUpdate(ctx, cipher, &length, reinterpret_cast<const unsigned char*>(plaintext.data()),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx, cipher + length, &length);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher + plaintext.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

absl::StatusOr<std::string> PersonalDataVault::Unseal(absl::string_view sealed) const {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes || sealed[0] != kSealVersion) {
    return absl::InvalidArgumentError("sealed value: unknown format");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data() + 1);
  const size_t cipher_size = sealed.size() - 1 - kNonceBytes - kTagBytes;
  const auto* cipher = nonce + kNonceBytes;
  std::string plain(cipher_size, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int length = 0;
  EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(seal_key_.data()), nonce);
  EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &length, cipher,
                    static_cast<int>(cipher_size));
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes,
                      const_cast<unsigned char*>(cipher + cipher_size));
  const bool authentic =
      EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + length, &length) ==
      1;
  EVP_CIPHER_CTX_free(ctx);
  if (!authentic) return absl::InvalidArgumentError("sealed value: not sealed with this key");
  return plain;
}

std::string PersonalDataVault::Pseudonym(absl::string_view plaintext) const {
  return absl::BytesToHexString(Hmac(pseudonym_key_, plaintext).substr(0, 16));
}

void PersonalDataVault::ProtectPhone(v1::Complaint& complaint) const {
  if (complaint.caller_phone().empty()) return;
  const std::string phone = complaint.caller_phone();
  complaint.set_caller_phone_sealed(Seal(phone));
  complaint.set_caller_phone(MaskIdentifier(phone));
  if (complaint.reporter_pseudonym().empty()) complaint.set_reporter_pseudonym(Pseudonym(phone));
}

}  // namespace minsheng::ingest
