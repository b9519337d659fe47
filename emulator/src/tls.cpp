// In-process certificate generation with OpenSSL's C API (no openssl command needed).
#include "server.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace emu {

namespace {

template <class T, void (*F)(T*)> struct deleter {
  void operator()(T* p) const { F(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

cert_ptr make_cert(EVP_PKEY* key, EVP_PKEY* signer, X509* issuer, const char* cn, bool ca) {
  cert_ptr x(X509_new());
  check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  BIGNUM* serial = BN_new();
  BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 60L * 60 * 24 * 30);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("coassist-emulator"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* issuer_cert = issuer ? issuer : x.get();
  X509_set_issuer_name(x.get(), X509_get_subject_name(issuer_cert));
  if (ca) {
    add_ext(x.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x.get(), issuer_cert, NID_subject_key_identifier, "hash");
  } else {
    add_ext(x.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x.get(), issuer_cert, NID_key_usage, "critical,digitalSignature");
    add_ext(x.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
    add_ext(x.get(), issuer_cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_ext(x.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  }
  check(X509_sign(x.get(), signer, EVP_sha256()) > 0, "X509_sign");
  return x;
}

std::string pem_of(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

} // namespace

std::pair<std::string, std::string> make_self_signed(const std::string& dir) {
  std::filesystem::create_directories(dir);
  key_ptr ca_key(EVP_EC_gen("P-256"));
  key_ptr server_key(EVP_EC_gen("P-256"));
  check(ca_key && server_key, "EVP_EC_gen");
  cert_ptr ca = make_cert(ca_key.get(), ca_key.get(), nullptr, "coassist-emulator test CA", true);
  cert_ptr server = make_cert(server_key.get(), ca_key.get(), ca.get(), "localhost", false);
  std::string ca_pem = pem_of(ca.get()), server_pem = pem_of(server.get()),
              key_pem = pem_of(server_key.get());
  std::filesystem::path d(dir);
  write_file(d / "ca.pem", ca_pem);
  write_file(d / "server.pem", server_pem + ca_pem);
  write_file(d / "server.key", key_pem);
  std::filesystem::permissions(d / "server.key", std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);
  return {server_pem + ca_pem, key_pem};
}

} // namespace emu
