#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace glassbox::http {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's reason for the last failure, e.g. "no start line" for a file that holds no PEM.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
}

void check_readable(TlsFile file, const std::string& path) {
  const std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw TlsSetupError(file, "cannot open file '" + path + "': " + std::strerror(errno));
  }
}

}  // namespace

TlsContext::TlsContext(const std::string& certificate_chain_path,
                       const std::string& private_key_path)
    : context_(std::make_unique<ssl::context>(ssl::context::tls_server)) {
  context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use);
  check_readable(TlsFile::kCertificate, certificate_chain_path);
  check_readable(TlsFile::kPrivateKey, private_key_path);
  SSL_CTX* native_context = context_->native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native_context, certificate_chain_path.c_str()) != 1) {
    throw TlsSetupError(
        TlsFile::kCertificate,
        "cannot load a PEM certificate from '" + certificate_chain_path + "': " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(native_context, private_key_path.c_str(), SSL_FILETYPE_PEM) !=
      1) {
    throw TlsSetupError(TlsFile::kPrivateKey, "cannot load a PEM private key from '" +
                                                  private_key_path + "': " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(native_context) != 1) {
    throw TlsSetupError(TlsFile::kPrivateKey, "the private key in '" + private_key_path +
                                                  "' does not match the certificate in '" +
                                                  certificate_chain_path + "'");
  }
}

TlsContext::~TlsContext() = default;

ssl::context& TlsContext::native() const {
  return *context_;
}

}  // namespace glassbox::http
