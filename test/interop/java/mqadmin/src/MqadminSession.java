import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.tools.command.MQAdminStartup;

/**
 * Runs mqadmin (RocketMQ's own MQAdminStartup, unmodified) once per line read on stdin, in one
 * JVM so a test pays the JVM start once: a line is the command's arguments separated by tabs;
 * what the command printed (stdout and stderr) comes back on stdout followed by a line
 * "<<<END>>>". mqadmin reports failures by printing them, so the test reads the text.
 */
public class MqadminSession {
  public static void main(String[] a) throws Exception {
    PrintStream out = System.out;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("<<<READY>>>");
    out.flush();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isEmpty()) continue;
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream capture = new PrintStream(buf, true, "UTF-8");
      System.setOut(capture);
      System.setErr(capture);
      try {
        MQAdminStartup.main0(line.split("\t", -1), null);
      } catch (Throwable e) {
        e.printStackTrace(capture);
      } finally {
        capture.flush();
        System.setOut(out);
        System.setErr(out);
      }
      out.print(buf.toString("UTF-8"));
      out.println();
      out.println("<<<END>>>");
      out.flush();
    }
  }
}
