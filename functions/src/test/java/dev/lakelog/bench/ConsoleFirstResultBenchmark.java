package dev.lakelog.bench;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Time to first result of the console: a one-week search ({@code #/search?range=7d}) opened in
 * Debian's headless Chromium against a running lakelog (e.g. {@code ./lakelog demo}), from the
 * navigation to the first result row on screen (the histogram answered and drawn, then the first
 * page of the table). Prints each run and the median.
 *
 * <pre>
 * LAKELOG_DEV_TOKEN=devtok ./lakelog demo --port 8080 &amp;
 * cd functions &amp;&amp; mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.lakelog.bench.ConsoleFirstResultBenchmark -Dconsole.url=http://127.0.0.1:8080 -Dconsole.token=devtok
 * </pre>
 */
public final class ConsoleFirstResultBenchmark {
    public static void main(String[] args) {
        String url = System.getProperty("console.url", "http://127.0.0.1:8080");
        String token = System.getProperty("console.token", System.getenv("LAKELOG_DEV_TOKEN"));
        int runs = Integer.getInteger("runs", 7);
        if (token == null) throw new IllegalArgumentException("give -Dconsole.token=<paid Bearer token> (or LAKELOG_DEV_TOKEN)");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1000");
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
            wait.pollingEvery(Duration.ofMillis(10));
            driver.get(url + "/");
            ((JavascriptExecutor) driver).executeScript("sessionStorage.setItem('lakelog.token', arguments[0])", token);
            List<Long> ms = new ArrayList<>();
            String total = "";
            for (int i = 0; i < runs; i++) {
                driver.get("about:blank");
                long t0 = System.nanoTime();
                driver.get(url + "/#/search?range=7d");
                wait.until(d -> !d.findElements(By.cssSelector("#results tr.row")).isEmpty());
                long took = (System.nanoTime() - t0) / 1_000_000;
                total = driver.findElement(By.id("hist-total")).getText();
                ms.add(took);
                System.out.println("run " + (i + 1) + ": first result row after " + took + " ms (" + total + ")");
            }
            List<Long> sorted = new ArrayList<>(ms);
            Collections.sort(sorted);
            System.out.println("median time to first result of a one-week search: " + sorted.get(sorted.size() / 2) + " ms over " + runs
                    + " runs (" + total + "; the first run includes loading the page's " + "scripts)");
        } finally {
            driver.quit();
        }
    }
}
