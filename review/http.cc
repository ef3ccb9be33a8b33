// The HTTP server of review/http.h on Boost.Beast: the only file that
// includes Beast, so the rest of the product compiles without it.
#include "review/http.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

namespace intake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto kIdle = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SplitPairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    out.emplace_back(PercentDecode(pair.substr(0, eq), true),
                     eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true));
  }
  return out;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> HttpRequest::Header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::Cookie(const std::string& name) const {
  const std::optional<std::string> header = Header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> HttpRequest::FormFields() const {
  const std::string type = Lower(Header("content-type").value_or(""));
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0) return {};
  return SplitPairs(body);
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::Redirect(const std::string& location) {
  HttpResponse response;
  response.status = 303;
  response.headers.emplace_back("Location", location);
  return response;
}

// What the server needs of a connection of either kind.
class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  virtual void Start() = 0;
  virtual void Close() = 0;
};

struct HttpServer::Impl {
  struct RouteEntry {
    std::string method;
    std::string pattern;  // exact path, or prefix (without the '*') when `prefix`
    bool prefix = false;
    Handler handler;
  };

  Impl(asio::io_context& io, std::size_t limit) : io(io), body_limit(limit), acceptor(io) {}

  HttpResponse Dispatch(const HttpRequest& request) const {
    const RouteEntry* best = nullptr;
    bool path_known = false;
    for (const RouteEntry& route : routes) {
      const bool matches = route.prefix ? request.path.rfind(route.pattern, 0) == 0 : request.path == route.pattern;
      if (!matches) continue;
      path_known = true;
      if (route.method != request.method) continue;
      const bool better = !best || (best->prefix && !route.prefix) ||
                          (best->prefix == route.prefix && route.pattern.size() > best->pattern.size());
      if (better) best = &route;
    }
    if (!best) return HttpResponse::Text(path_known ? 405 : 404, path_known ? "method not allowed\n" : "not found\n");
    try {
      return best->handler(request);
    } catch (const std::exception&) {
      spdlog::error("review: a request handler failed unexpectedly");
      return HttpResponse::Text(500, "internal error\n");
    }
  }

  void Accept(std::shared_ptr<Impl> self);

  asio::io_context& io;
  std::size_t body_limit;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  std::vector<RouteEntry> routes;
  std::vector<std::weak_ptr<HttpConnection>> connections;
  bool stopped = false;
};

namespace {

// One client connection over `Stream` (plain TCP, or TLS over TCP): read a
// request, answer it, and again while the client keeps the connection alive.
template <class Stream>
class StreamConnection : public HttpConnection, public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  template <class... StreamArgs>
  StreamConnection(std::shared_ptr<HttpServer::Impl> server, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...), server_(std::move(server)) {}

  void Start() override {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kIdle);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->server_->stopped) return self->Close();
        self->Read();
      });
    }
  }

  void Close() override {
    beast::error_code ignored;
    tcp::socket& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->body_limit);
    parser_->header_limit(kHeaderLimit);
    beast::get_lowest_layer(stream_).expires_after(kIdle);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (server_->stopped) return Close();
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return Write(HttpResponse::Text(413, "request too large\n"), 11, false);
    }
    if (ec) return Close();
    http::request<http::string_body> raw = parser_->release();
    HttpRequest request;
    request.method = std::string(raw.method_string());
    const std::string_view target = raw.target();
    const std::size_t question = target.find('?');
    request.path = PercentDecode(target.substr(0, question), false);
    if (question != std::string_view::npos) {
      for (auto& [key, value] : SplitPairs(target.substr(question + 1))) request.query[key] = value;
    }
    for (const auto& field : raw) request.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
    request.body = std::move(raw.body());
    Write(server_->Dispatch(request), raw.version(), raw.keep_alive());
  }

  void Write(const HttpResponse& answer, unsigned version, bool keep_alive) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status),
                                                                        version);
    response->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response->insert(name, value);
    if (server_->tls) response->set("Strict-Transport-Security", "max-age=31536000");
    response->body() = answer.body;
    response->keep_alive(keep_alive);
    response->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kIdle);
    http::async_write(stream_, *response,
                      [self = this->shared_from_this(), response, keep_alive](beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive || self->server_->stopped) return self->Close();
                        self->Read();
                      });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
};

}  // namespace

void HttpServer::Impl::Accept(std::shared_ptr<Impl> self) {
  acceptor.async_accept([self](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      std::shared_ptr<HttpConnection> connection;
      if (self->tls) {
        connection = std::make_shared<StreamConnection<beast::ssl_stream<beast::tcp_stream>>>(
            self, beast::tcp_stream(std::move(socket)), *self->tls);
      } else {
        connection = std::make_shared<StreamConnection<beast::tcp_stream>>(self, std::move(socket));
      }
      std::erase_if(self->connections, [](const std::weak_ptr<HttpConnection>& c) { return c.expired(); });
      self->connections.push_back(connection);
      connection->Start();
    }
    self->Accept(self);
  });
}

HttpServer::HttpServer(asio::io_context& io, std::size_t body_limit)
    : impl_(std::make_shared<Impl>(io, body_limit)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string pattern, Handler handler) {
  const bool prefix = pattern.size() >= 2 && pattern.ends_with("/*");
  if (prefix) pattern.pop_back();
  impl_->routes.push_back({std::move(method), std::move(pattern), prefix, std::move(handler)});
}

Result<void> HttpServer::UseTls(const std::filesystem::path& cert_chain, const std::filesystem::path& private_key) {
  try {
    ssl::context context(ssl::context::tls_server);
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    context.use_certificate_chain_file(cert_chain.string());
    context.use_private_key_file(private_key.string(), ssl::context::pem);
    impl_->tls.emplace(std::move(context));
    return {};
  } catch (const boost::system::system_error& e) {
    return Fail(ErrorCode::kIoError, "cannot use the TLS certificate " + cert_chain.string() + " with key " +
                                         private_key.string() + " (" + e.code().message() +
                                         "): check the files named by review.tls_cert and review.tls_key");
  }
}

bool HttpServer::Tls() const { return impl_->tls.has_value(); }

Result<std::uint16_t> HttpServer::Listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Fail(ErrorCode::kIoError, "the listen address " + host + " is not an IP address");
  const tcp::endpoint endpoint(address, port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close(ec);
    return Fail(ErrorCode::kIoError, "cannot listen on " + host + ":" + std::to_string(port) + " (" + ec.message() +
                                         "): choose another address with `listen`");
  }
  impl_->Accept(impl_);
  return acceptor.local_endpoint().port();
}

void HttpServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const std::weak_ptr<HttpConnection>& weak : impl_->connections) {
    if (std::shared_ptr<HttpConnection> connection = weak.lock()) connection->Close();
  }
  impl_->connections.clear();
}

}  // namespace intake
