import java.lang.reflect.Field;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local as the local runtime runs it (functions/local/dynamodb-local.ts compiles and starts this):
 * the jar's own server, given the jar's own arguments, but listening on 127.0.0.1 only (the jar listens on
 * every interface and has no option for it), answering only requests addressed to the loopback interface
 * by name (not a DNS-rebound one) and refusing any request a web page makes (it carries an Origin; the
 * SDKs send none), so that neither the network nor a page open in the browser reaches the data.
 * Prints "Listening on 127.0.0.1:PORT" once it is its own server that listens there.
 */
public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int port = 0;
    for (Connector connector : jetty.getConnectors()) {
      ServerConnector server = (ServerConnector) connector;
      server.setHost("127.0.0.1");
      port = server.getPort();
    }
    Set<String> hosts = Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
    jetty.setHandler(
        new Handler.Wrapper(jetty.getHandler()) {
          @Override
          public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String host = request.getHeaders().get(HttpHeader.HOST);
            boolean loopback = host != null && hosts.contains(host.toLowerCase(Locale.ROOT));
            if (!loopback || request.getHeaders().contains(HttpHeader.ORIGIN)) {
              Response.writeError(request, response, callback, 403, "Local DynamoDB answers local tools only");
              return true;
            }
            return super.handle(request, response, callback);
          }
        });
    try {
      proxy.start();
    } catch (Exception error) {
      System.err.println("Could not start server on port " + port + ": " + error.getMessage());
      System.exit(1);
    }
    if (!jetty.isStarted()) System.exit(1);
    System.out.println("Listening on 127.0.0.1:" + port);
  }
}
