package dev.skiff.it.registry;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry's web pages in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, through Selenium): alice signs in, creates a repository, pushes to it with
 * skopeo, finds the tag with its digest and layers, copies the pull command, makes the repository
 * private so that bob cannot see it, and deletes a tag; a label holding a script shows as text.
 * Screenshots of the home, repository and tag pages go to {@code target/screenshots/}. The browser
 * talks to 127.0.0.1 alone: every other address goes to a proxy that is not there.
 */
class RegistryBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path tmp;

    private static ChromeDriver chrome() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost;[::1]");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void signIn(WebDriver driver, String base, String user, String password) {
        driver.get(base + "/login");
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.cssSelector("form[action='/login'] button[type=submit]")).click();
        waitFor(() -> driver.findElements(By.cssSelector("a[href='/account']")).size() == 1, "signed in as " + user);
    }

    private static void signOut(WebDriver driver) {
        driver.findElement(By.cssSelector("form[action='/logout'] button")).click();
        waitFor(() -> driver.findElements(By.cssSelector("a[href='/login']")).size() == 1, "signed out");
    }

    private static void waitFor(Supplier<Boolean> condition, String what) {
        Instant deadline = Instant.now().plusSeconds(10);
        while (!condition.get()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static void screenshot(ChromeDriver driver, String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void aliceCreatesPushesSharesAndHidesARepositoryInARealBrowser() throws Exception {
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = TestImages.busyboxMultiLayer(layout, 81);
        BuiltImage hostile = layout.writeImage(Platform.LINUX_AMD64, TestImages.randomLayers(82, 512, 2048),
                "<script>document.title='pwned'</script>");
        layout.tag("image", image).tag("hostile", hostile);
        Path htpasswd = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "alice", "alice-pw", "bob", "bob-pw");
        ChromeDriver driver = chrome();
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            String base = "http://" + registry.address();
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
            signIn(driver, base, "alice", "alice-pw");

            driver.get(base + "/new");
            driver.findElement(By.id("name")).sendKeys("demo");
            driver.findElement(By.id("description")).sendKeys("made in a browser");
            driver.findElement(By.cssSelector("form[action='/new'] button[type=submit]")).click();
            waitFor(() -> driver.getCurrentUrl().endsWith("/r/alice/demo"), "the new repository's page");

            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
            skopeo.copy(layout.reference("image"), registry.ref("alice/demo:1"), Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            skopeo.copy(layout.reference("hostile"), registry.ref("alice/demo:hostile"), Skopeo.destCreds("alice", "alice-pw")).assertSuccess();

            driver.get(base + "/r/alice/demo");
            assertThat(driver.findElement(By.tagName("main")).getText()).contains("made in a browser");
            WebElement digest = driver.findElement(By.xpath("//a[@href='/r/alice/demo/tags/1']/ancestor::tr//code[contains(@class,'digest')]"));
            assertThat(digest.getAttribute("title")).isEqualTo(image.manifestDigest());
            screenshot(driver, "repository");

            // the copy button puts the pull command on the clipboard
            driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", base,
                    "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
            WebElement copy = driver.findElement(By.cssSelector("button[data-copy='pull-docker']"));
            assertThat(copy.isDisplayed()).as("shown once the script runs").isTrue();
            copy.click();
            waitFor(() -> copy.getText().equals("Copied"), "the button to say Copied");
            Object clipboard = driver.executeAsyncScript("navigator.clipboard.readText().then(arguments[arguments.length - 1])");
            String shown = driver.findElement(By.id("pull-docker")).getText();
            assertThat(shown).startsWith("docker pull " + registry.address() + "/alice/demo");
            assertThat(clipboard).isEqualTo(shown);

            driver.get(base + "/r/alice/demo/tags/1");
            assertThat(driver.findElements(By.cssSelector("table.layers tbody tr"))).hasSize(image.layers().size());
            screenshot(driver, "tag");

            driver.get(base + "/r/alice/demo/tags/hostile");
            assertThat(driver.getTitle()).doesNotContain("pwned");
            assertThat(driver.findElement(By.cssSelector("table.labels")).getText()).contains("<script>document.title='pwned'</script>");

            driver.get(base + "/");
            assertThat(driver.findElements(By.cssSelector("a.name[href='/r/alice/demo']"))).hasSize(1);
            screenshot(driver, "home");
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844)); // a phone
            driver.get(base + "/r/alice/demo");
            Object overflow = driver.executeScript("return document.documentElement.scrollWidth > window.innerWidth + 1");
            assertThat(overflow).as("no sideways scrolling on a phone").isEqualTo(false);
            screenshot(driver, "repository-phone");
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));

            // private: bob sees neither the repository nor its page
            driver.get(base + "/r/alice/demo");
            driver.findElement(By.cssSelector("form[action='/r/alice/demo/settings'] input[value=private]")).click();
            driver.findElement(By.cssSelector("form[action='/r/alice/demo/settings'] button[type=submit]")).click();
            waitFor(() -> driver.findElements(By.cssSelector("input[value=private]:checked")).size() == 1, "private saved");
            signOut(driver);
            signIn(driver, base, "bob", "bob-pw");
            driver.get(base + "/");
            assertThat(driver.findElements(By.cssSelector("a.name[href='/r/alice/demo']"))).isEmpty();
            driver.get(base + "/r/alice/demo");
            assertThat(driver.findElement(By.tagName("main")).getText()).doesNotContain("made in a browser").containsIgnoringCase("not found");
            signOut(driver);

            // alice deletes a tag, confirming the browser's question
            signIn(driver, base, "alice", "alice-pw");
            driver.get(base + "/r/alice/demo");
            driver.findElement(By.cssSelector("form[action='/r/alice/demo/tags/hostile/delete'] button")).click();
            driver.switchTo().alert().accept();
            waitFor(() -> driver.findElements(By.cssSelector("a[href='/r/alice/demo/tags/hostile']")).isEmpty(), "the tag gone");
            assertThat(driver.findElements(By.cssSelector("a[href='/r/alice/demo/tags/1']"))).hasSize(1);
        } finally {
            driver.quit();
        }
    }
}
