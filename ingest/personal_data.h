#ifndef MINSHENG_INGEST_PERSONAL_DATA_H_
#define MINSHENG_INGEST_PERSONAL_DATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "minsheng/v1/complaint.pb.h"

namespace minsheng::ingest {

// Protects citizens' phone numbers and WeChat openids at rest: they are stored sealed
// (AES-256-GCM) and masked, and a keyed hash (HMAC-SHA256) stands in wherever minsheng only needs
// to know that two reports came from the same person. One 32-byte key, kept in a file readable
// by minsheng alone; every instance of a deployment uses the same file.
class PersonalDataVault {
 public:
  // Reads the key file, creating it with a fresh random key (mode 0600) when it does not exist.
  static absl::StatusOr<PersonalDataVault> OpenOrCreate(const std::string& key_file);
  static absl::StatusOr<PersonalDataVault> FromKey(absl::string_view key32);

  // Encrypted and authenticated; a fresh nonce each time.
  std::string Seal(absl::string_view plaintext) const;
  absl::StatusOr<std::string> Unseal(absl::string_view sealed) const;
  // The same input always gives the same 32 hex characters; without the key it says nothing.
  std::string Pseudonym(absl::string_view plaintext) const;

  // Replaces the complaint's caller_phone by its mask, keeping it sealed beside it, and sets
  // reporter_pseudonym from it unless already set.
  void ProtectPhone(v1::Complaint& complaint) const;

 private:
  PersonalDataVault(std::string seal_key, std::string pseudonym_key)
      : seal_key_(std::move(seal_key)), pseudonym_key_(std::move(pseudonym_key)) {}
  std::string seal_key_;       // derived from the file's key, for sealing
  std::string pseudonym_key_;  // derived separately, so hashes reveal nothing about seals
};

// "13812348000" -> "138****8000": the first three and last four characters stay, so a caller can
// recognise their own number; shorter values keep only their last two.
std::string MaskIdentifier(absl::string_view value);

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_PERSONAL_DATA_H_
