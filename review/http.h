// review/http.h: a small HTTP/1.1 server on the service's own event loop.
//
// The review app (review/review.h) and any other endpoint (/metrics, /health)
// register a handler per method and path with one call; handlers see plain
// request and response structs, so Boost.Beast stays inside http.cc.
//
//   HttpServer server(io);
//   server.Route("GET", "/health", [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); });
//   server.Route("GET", "/documents/*", ShowDocument);  // "/*": every path under the prefix
//   Result<std::uint16_t> port = server.Listen("127.0.0.1", 0);  // 0: any free port
//   ...
//   server.Stop();  // closes the listener and every open connection
//
// With UseTls the server speaks HTTPS only (Asio SSL on OpenSSL).
// Handlers run on the event loop thread, one at a time. Requests larger than
// the body limit are refused (413), idle connections are closed after 30 s.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace intake {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/documents/7-1"
  std::map<std::string, std::string> query;    // decoded ?a=b&c=d
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::optional<std::string> Header(const std::string& lower_case_name) const;
  /// One cookie's value from the Cookie header.
  std::optional<std::string> Cookie(const std::string& name) const;
  /// Fields of an application/x-www-form-urlencoded body, decoded, in order
  /// (a name may repeat: several checked boxes).
  std::vector<std::pair<std::string, std::string>> FormFields() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Set-Cookie
  std::string body;

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Redirect(const std::string& location);  // 303 See Other
};

/// Encodes everything but unreserved characters.
std::string UrlEncode(std::string_view text);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit HttpServer(boost::asio::io_context& io, std::size_t body_limit = 1 << 20);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// `pattern` is an exact path, or a prefix ending in "/*". An exact match
  /// wins over a prefix; a longer prefix over a shorter one.
  void Route(std::string method, std::string pattern, Handler handler);

  /// Serves HTTPS only (TLS 1.2 or later) with this PEM certificate chain
  /// and private key; call before Listen. kIoError when they cannot be used.
  Result<void> UseTls(const std::filesystem::path& cert_chain, const std::filesystem::path& private_key);
  bool Tls() const;

  /// Starts accepting on host:port (port 0: a free one) and returns the
  /// port. kIoError when the address cannot be bound.
  Result<std::uint16_t> Listen(const std::string& host, std::uint16_t port);

  void Stop();

  struct Impl;  // http.cc; shared with the open connections, which may outlive the server object

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace intake
