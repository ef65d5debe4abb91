// A minimal blocking HTTP/1.1 client for tests (Boost.Beast, one request per connection).
#ifndef LIVEEVENTS_TESTS_TESTING_HTTP_CLIENT_H_
#define LIVEEVENTS_TESTS_TESTING_HTTP_CLIENT_H_

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

namespace liveevents::testing {

struct HttpReply {
  int status = 0;  // 0 when the connection failed.
  std::string body;
};

// Sends one request to `host_port` ("127.0.0.1:8080").
inline HttpReply HttpRequest(const std::string& host_port, boost::beast::http::verb method,
                             const std::string& target, const std::string& body = "") {
  namespace beast = boost::beast;
  namespace http = beast::http;
  namespace net = boost::asio;
  const size_t colon = host_port.rfind(':');
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  beast::error_code error;
  auto endpoints = resolver.resolve(host_port.substr(0, colon), host_port.substr(colon + 1), error);
  if (error) return {};
  stream.connect(endpoints, error);
  if (error) return {};
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, host_port);
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request, error);
  if (error) return {};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(stream, buffer, parser, error);
  if (error) return {};
  return {static_cast<int>(parser.get().result_int()), parser.get().body()};
}

inline HttpReply PostCallback(const std::string& host_port, const std::string& app_id,
                              const std::string& command, const std::string& body) {
  return HttpRequest(host_port, boost::beast::http::verb::post,
                     "/callback?SdkAppid=" + app_id + "&CallbackCommand=" + command +
                         "&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI",
                     body);
}

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_HTTP_CLIENT_H_
