#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace glassbox::http {

// Which of the two PEM files a TLS set-up failure is about, so the caller can name the
// setting that holds it.
enum class TlsFile { kCertificate, kPrivateKey };

class TlsSetupError : public std::runtime_error {
 public:
  TlsSetupError(TlsFile file, const std::string& message)
      : std::runtime_error(message), file_(file) {}
  TlsFile file() const { return file_; }

 private:
  TlsFile file_;
};

// The server side of TLS: a certificate chain and its private key, loaded once at start-up
// (TLS 1.2 and later only). Kept in its own file so that only the few files that run TLS
// sessions include OpenSSL and Asio's SSL headers.
//
// Thread-safety: immutable after construction; shared by every session on every thread
// (OpenSSL's SSL_CTX is safe for that once configured).
class TlsContext {
 public:
  // Throws TlsSetupError when a file cannot be read, does not hold PEM of the right kind,
  // or the key does not belong to the certificate (reported against the key). The message
  // names the file's path, never its content.
  TlsContext(const std::string& certificate_chain_path, const std::string& private_key_path);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native() const;

 private:
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace glassbox::http
