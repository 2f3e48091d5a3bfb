package dev.lakelog.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakelog.api.ApiResponse;
import dev.lakelog.auth.Tier;
import dev.lakelog.generate.EventGenerator;
import dev.lakelog.local.LocalServer;
import dev.lakelog.rollup.RollupRequest;
import dev.lakelog.testing.LakelogFixture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's headless Chromium driven through its chromedriver
 * (nothing is downloaded; Selenium Manager is never asked), against a local server holding a
 * generated six days of events in two snapshots plus a few hot events. Each step saves a screenshot
 * into docs/console/ (docs/console.md shows them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("..", "docs", "console");
    static final int EVENTS = 3000;
    static final int HOT = 3;

    static LakelogFixture fx;
    static LakelogFixture.TenantCredentials tenant;
    static LocalServer server;
    static ChromeDriver driver;
    static WebDriverWait wait;
    static Path downloads;
    static List<ObjectNode> corpus = new ArrayList<>();
    static long firstSnapshot;
    static int inFirstSnapshot;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the console's browser tests need Debian's Chromium and its driver at " + CHROMIUM + " and "
                    + CHROMEDRIVER + ": apt-get install chromium chromium-driver (.ci/run installs them)");
        }
        fx = LakelogFixture.local();
        tenant = fx.createTenant("console", Tier.PAID);
        Instant end = Instant.now().minus(Duration.ofMinutes(2)).truncatedTo(ChronoUnit.SECONDS);
        // six days, so every event is inside the console's "last 7 days" whenever the page asks
        new EventGenerator(new EventGenerator.Spec(2026, EVENTS, 6, 1, end)).generate((t, e) -> corpus.add(e));
        Instant cutoff = end.minus(Duration.ofDays(1));
        List<ObjectNode> older = corpus.stream().filter(e -> Instant.parse(e.path("timestamp").asText()).isBefore(cutoff)).toList();
        List<ObjectNode> newer = corpus.subList(older.size(), corpus.size());
        inFirstSnapshot = older.size();
        ingest(older);
        firstSnapshot = rollup();
        ingest(newer);
        rollup();
        // a few events left in the hot tier, for the live tail (and counted by fresh searches)
        EventGenerator live = new EventGenerator(new EventGenerator.Spec(99, 0, 1, 1, Instant.now()));
        List<ObjectNode> hot = new ArrayList<>();
        for (int i = 0; i < HOT; i++) hot.add(live.eventAt(0, Instant.now().minusSeconds(30 - i)));
        ingest(hot);
        corpus.addAll(hot);

        server = new LocalServer(fx.app().router(), 0);
        downloads = Files.createTempDirectory("lakelog-console-downloads-");
        Files.createDirectories(SHOTS);
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--metrics-recording-only", "--no-default-browser-check");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.close();
        if (fx != null) fx.close();
    }

    static void ingest(List<ObjectNode> events) {
        for (int i = 0; i < events.size(); i += 1000) {
            ArrayNode batch = JSON.createArrayNode();
            batch.addAll(events.subList(i, Math.min(events.size(), i + 1000)));
            ApiResponse r = fx.call(LakelogFixture.signedJson(tenant, "/v1/log/batch", batch.toString()));
            assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        }
    }

    static long rollup() {
        return fx.app().rollup().rollup(new RollupRequest("test", Optional.of("console"), Duration.ZERO, true)).snapshotId();
    }

    static long count(String field, String value) {
        return corpus.stream().filter(e -> value.equals(e.path(field).asText())).count();
    }

    static void open(String hash) {
        driver.get(server.url() + "/" + hash);
    }

    static void shot(String name) throws Exception {
        Thread.sleep(300); // let the chart's last frame paint (a screenshot, not a synchronisation)
        Files.write(SHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    /** The histogram's total once the search has answered. */
    static long shownTotal() {
        wait.until(d -> d.findElement(By.id("hist-total")).getAttribute("data-total") != null
                && d.findElements(By.cssSelector("#results table")).size() == 1);
        return Long.parseLong(driver.findElement(By.id("hist-total")).getAttribute("data-total"));
    }

    static void waitForNewSearch(String urlPart) {
        wait.until(d -> d.getCurrentUrl().contains(urlPart));
    }

    @Test
    @Order(1)
    void a_bad_token_is_refused_in_words_and_nothing_is_kept() throws Exception {
        open("");
        WebElement token = wait.until(d -> d.findElement(By.id("token")));
        token.sendKeys("llt_not_a_real_token");
        driver.findElement(By.id("signin-button")).click();
        WebElement err = wait.until(d -> {
            WebElement e = d.findElement(By.id("signin-error"));
            return e.getText().isEmpty() ? null : e;
        });
        assertThat(err.getText()).contains("token was not accepted").contains("401");
        assertThat(((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('lakelog.token')")).isNull();
        shot("signin-error");
    }

    @Test
    @Order(2)
    void signing_in_opens_the_last_week_with_the_histogram_total_and_the_newest_first() throws Exception {
        WebElement token = driver.findElement(By.id("token"));
        token.clear();
        token.sendKeys(tenant.token());
        driver.findElement(By.id("signin-button")).click();
        assertThat(shownTotal()).isEqualTo(EVENTS + HOT);
        assertThat(driver.getCurrentUrl()).contains("#/search?range=7d");
        assertThat(driver.findElements(By.cssSelector("#histogram canvas"))).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("#results tr.row"))).hasSize(100);
        assertThat(driver.findElement(By.id("page-info")).getText()).contains("of " + String.format("%,d", EVENTS + HOT));
        assertThat(((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('lakelog.token')")).isEqualTo(tenant.token());
        shot("search");
    }

    @Test
    @Order(3)
    void a_severity_filter_narrows_the_histogram_and_the_table_and_lands_in_the_url() throws Exception {
        new Select(driver.findElement(By.id("f-severity"))).selectByValue("WARNING");
        driver.findElement(By.id("search-button")).click();
        waitForNewSearch("severity=WARNING");
        wait.until(d -> String.valueOf(count("severity", "WARNING")).equals(d.findElement(By.id("hist-total")).getAttribute("data-total")));
        assertThat(shownTotal()).isEqualTo(count("severity", "WARNING"));
        List<WebElement> badges = driver.findElements(By.cssSelector("#results tr.row .sev"));
        assertThat(badges).isNotEmpty().allMatch(b -> b.getText().equals("WARNING"));
        // the link reproduces the search
        String url = driver.getCurrentUrl();
        driver.navigate().refresh();
        assertThat(shownTotal()).isEqualTo(count("severity", "WARNING"));
        assertThat(driver.getCurrentUrl()).isEqualTo(url);
        shot("search-filtered");
    }

    @Test
    @Order(4)
    void a_row_expands_to_the_whole_event_and_a_click_on_a_value_adds_it_as_a_filter() throws Exception {
        WebElement first = driver.findElement(By.cssSelector("#results tr.row"));
        first.click();
        WebElement detail = wait.until(d -> {
            WebElement e = d.findElement(By.cssSelector("#results tr.detail"));
            return e.isDisplayed() ? e : null;
        });
        assertThat(detail.findElement(By.cssSelector("pre.json")).getText()).startsWith("{");
        WebElement actor = detail.findElement(By.cssSelector("button.value[data-field='actor_id']"));
        String actorId = actor.getText();
        shot("row-expanded");
        actor.click();
        waitForNewSearch("actor_id=");
        long expected = corpus.stream().filter(e -> e.path("severity").asText().equals("WARNING") && actorId.equals(e.path("actor_id").asText())).count();
        wait.until(d -> String.valueOf(expected).equals(d.findElement(By.id("hist-total")).getAttribute("data-total")));
        assertThat(driver.findElement(By.id("f-actor_id")).getAttribute("value")).isEqualTo(actorId);
    }

    @Test
    @Order(5)
    void export_downloads_a_csv_whose_rows_are_the_search_result() throws Exception {
        open("#/search?range=7d&severity=ERROR");
        assertThat(shownTotal()).isEqualTo(count("severity", "ERROR"));
        driver.findElement(By.id("export-csv")).click();
        Path file = wait.until(d -> {
            try (var s = Files.list(downloads)) {
                return s.filter(p -> p.toString().endsWith(".csv")).findFirst().orElse(null);
            } catch (java.io.IOException e) {
                return null;
            }
        });
        wait.until(d -> {
            try {
                return Files.size(file) > 0 && Files.readString(file).endsWith("\n");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).startsWith("tenant_id,log_id,timestamp");
        Set<String> exported = new HashSet<>();
        for (String l : lines.subList(1, lines.size())) exported.add(l.split(",")[1]);
        Set<String> expected = new HashSet<>();
        for (ObjectNode e : corpus) if (e.path("severity").asText().equals("ERROR")) expected.add(e.path("log_id").asText());
        assertThat(exported).isEqualTo(expected);
    }

    @Test
    @Order(6)
    void the_snapshot_timeline_travels_back_to_the_first_rollup_and_shows_the_older_count() throws Exception {
        open("#/snapshots");
        WebElement viewAsOf = wait.until(d -> d.findElement(By.cssSelector(".view-as-of[data-snapshot='" + firstSnapshot + "']")));
        assertThat(driver.findElement(By.id("snap-list")).getText()).contains("rollup");
        // the changes between the first rollup and the second: the last day's events
        List<WebElement> picks = driver.findElements(By.cssSelector("#snap-list .pick"));
        picks.get(0).click();
        driver.findElement(By.cssSelector("#snap-list li[data-id='" + firstSnapshot + "'] .pick")).click();
        driver.findElement(By.id("compare")).click();
        WebElement changes = wait.until(d -> d.findElement(By.id("changes-count")));
        assertThat(changes.getText()).startsWith(String.format("%,d", EVENTS - inFirstSnapshot) + " rows changed");
        shot("snapshots");
        viewAsOf = driver.findElement(By.cssSelector(".view-as-of[data-snapshot='" + firstSnapshot + "']"));
        viewAsOf.click();
        waitForNewSearch("snapshot=" + firstSnapshot);
        wait.until(d -> d.findElements(By.id("timetravel-banner")).size() == 1);
        assertThat(shownTotal()).isEqualTo(inFirstSnapshot).isLessThan(EVENTS);
        shot("time-travel");
    }

    @Test
    @Order(7)
    void the_live_tail_shows_hot_events_without_a_reload() throws Exception {
        open("#/tail");
        wait.until(d -> d.findElements(By.cssSelector("#tail tr.row")).size() >= HOT);
        EventGenerator live = new EventGenerator(new EventGenerator.Spec(5, 0, 1, 1, Instant.now()));
        ObjectNode e = live.eventAt(0, Instant.now());
        ingest(List.of(e));
        corpus.add(e);
        String id = e.path("message").asText();
        wait.until(d -> d.findElement(By.id("tail")).getText().contains(id));
        shot("live-tail");
    }

    @Test
    @Order(8)
    void the_sql_tab_runs_a_named_query_and_custom_sql() throws Exception {
        open("#/sql");
        wait.until(d -> d.findElements(By.id("named-select")).size() == 1);
        driver.findElement(By.id("named-run")).click();
        wait.until(d -> d.findElements(By.cssSelector("#sql-table")).size() == 1);
        WebElement sql = driver.findElement(By.id("sql"));
        sql.clear();
        sql.sendKeys("SELECT severity, count(*) AS events FROM logs GROUP BY severity ORDER BY events DESC");
        driver.findElement(By.id("sql-run")).click();
        wait.until(d -> d.findElement(By.id("sql-status")).getText().contains("rows in"));
        // custom SQL reads the lake (rolled-up rows), not the hot tier
        long info = corpus.subList(0, EVENTS).stream().filter(e -> e.path("severity").asText().equals("INFO")).count();
        wait.until(d -> d.findElement(By.id("sql-table")).getText().contains("INFO\n" + info)
                || d.findElement(By.id("sql-table")).getText().contains("INFO " + info));
        shot("sql");
    }

    @Test
    @Order(9)
    void the_overview_shows_rows_files_bytes_compression_and_the_last_rollup() throws Exception {
        open("#/overview");
        WebElement rows = wait.until(d -> d.findElement(By.id("ov-rows")));
        assertThat(rows.getText()).contains(String.format("%,d", EVENTS));
        assertThat(driver.findElement(By.id("ov-ratio")).getText()).contains("×");
        assertThat(driver.findElement(By.id("ov-rollup")).getText()).contains("rollup");
        assertThat(driver.findElement(By.id("ov-hot")).getText()).containsPattern("Hot segments waiting\\s+[1-9]");
        shot("overview");
    }

    @Test
    @Order(10)
    void an_api_error_during_a_search_is_shown_in_words() throws Exception {
        open("#/search?range=7d&trace_id=nothex");
        WebElement err = wait.until(d -> {
            WebElement e = d.findElement(By.id("error"));
            return e.getText().isEmpty() ? null : e;
        });
        assertThat(err.getText()).contains("400").contains("trace_id");
        shot("error");
    }

    @Test
    @Order(11)
    void the_metrics_tab_draws_a_line_per_series_and_names_the_rollup_level_it_read() throws Exception {
        Instant t0 = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
        StringBuilder points = new StringBuilder();
        for (String host : List.of("a", "b")) {
            for (int m = 0; m < 120; m += 5) {
                if (points.length() > 0) points.append(',');
                long nanos = t0.plusSeconds(60L * m).getEpochSecond() * 1_000_000_000L;
                points.append("{\"timeUnixNano\":\"").append(nanos).append("\",\"asDouble\":").append(host.equals("a") ? 10 + m % 7 : 40 + m % 11)
                        .append(",\"attributes\":[{\"key\":\"host\",\"value\":{\"stringValue\":\"").append(host).append("\"}}]}");
            }
        }
        String body = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"web\"}}]},"
                + "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"cpu.load\",\"unit\":\"%\",\"gauge\":{\"dataPoints\":[" + points + "]}}]}]}]}";
        ApiResponse r = fx.call(LakelogFixture.bearer(tenant, "POST", "/v1/metrics", Map.of(), body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(fx.app().metricsRollup().rollupTenant("console", true, "test").errors()).isEmpty();

        open("#/metrics"); // signed in by the earlier tests; alone, sign in here
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("sessionStorage.setItem('lakelog.token', arguments[0])", tenant.token());
        open("#/metrics?name=cpu.load&aggregation=avg&range=24h&step=3600&group_by=host");
        WebElement level = wait.until(d -> d.findElement(By.id("m-level")));
        assertThat(level.getText()).isEqualTo("1h");
        wait.until(d -> d.findElements(By.cssSelector("#m-chart .u-legend .u-series")).size() == 3);
        String legend = driver.findElement(By.cssSelector("#m-chart .u-legend")).getText();
        assertThat(legend).contains("host=a").contains("host=b");
        assertThat(driver.findElement(By.id("m-summary")).getText()).contains("2 series");
        shot("metrics");
    }
}
