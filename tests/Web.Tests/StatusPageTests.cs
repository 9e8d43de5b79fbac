using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Faustish.Web.Tests;

/// <summary>
/// The status page in a real browser (Debian's headless Chromium through Selenium): it shows the agents, their
/// partitions and an event count that rises while the app processes, and leaves a screenshot under
/// <c>TestResults/screenshots/status-page.png</c>. The browser must be installed (<c>.ci/run</c> installs it); without
/// it the test fails saying how to install it, it never skips.
/// </summary>
[Collection(SerialWebTests.Name)]
public sealed class StatusPageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [Fact]
    public async Task Status_page_shows_agents_partitions_and_a_rising_event_count()
    {
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver),
            $"The status page test needs Chromium and its driver ({Chromium}, {ChromeDriver}). Install them: sudo apt-get install -y chromium chromium-driver");

        await using var app = await WebApp.StartAsync(WebApp.OrdersModel);
        using var stopFeeding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var feeding = Task.Run(async () =>
        {
            var id = 0L;
            while (!stopFeeding.IsCancellationRequested)
            {
                app.Send(sender =>
                {
                    for (var i = 0; i < 25; i++, id++)
                    {
                        sender.Send(Orders.Definition, $"shop-{id % 7}", new Order(id, id % 100), DateTimeOffset.UtcNow);
                    }
                });
                await Task.Delay(100).ConfigureAwait(false);
            }
        });

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100");
        using var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        try
        {
            driver.Navigate().GoToUrl(app.Address);

            // The page's script fills the agents and their partitions from /api/status.
            Until(driver, d => d.FindElements(By.CssSelector(".agent[data-agent]")).Count == 2, "the two agents never showed");
            Assert.Equal(["take-orders", "count-shipments"], driver.FindElements(By.CssSelector(".agent[data-agent]")).Select(e => e.GetAttribute("data-agent")));
            Until(driver, d => d.FindElements(By.CssSelector("tr.partition")).Count == 8, "the 8 partitions never showed");
            Assert.Contains("orders[0]", driver.FindElements(By.CssSelector("tr.partition")).Select(e => e.Text.Split(' ')[0]));
            Assert.Equal("live", driver.FindElement(By.Id("live")).Text);

            var first = 0L;
            Until(driver, _ => (first = Processed(driver)) > 0, "the event count never rose above 0");
            Until(driver, _ => Processed(driver) > first, $"the event count stayed at {first}");
            Until(driver, d => d.FindElements(By.CssSelector("#rate-chart polyline")).Count == 1, "the events/s chart was never drawn");

            // The README's picture (docs/status-page.png) is this screenshot after a longer run, with charts that have
            // a history: FAUSTISH_STATUS_PAGE_SECONDS=30 dotnet test tests/Web.Tests --filter StatusPage.
            if (int.TryParse(Environment.GetEnvironmentVariable("FAUSTISH_STATUS_PAGE_SECONDS"), out var seconds) && seconds is > 0 and <= 50)
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds));
            }

            var screenshots = Path.Combine(ResultsDirectory(), "screenshots");
            Directory.CreateDirectory(screenshots);
            var file = Path.Combine(screenshots, "status-page.png");
            ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(file);
            Assert.True(new FileInfo(file).Length > 10_000, $"The screenshot {file} is suspiciously small.");
        }
        finally
        {
            driver.Quit();
            await stopFeeding.CancelAsync();
            await feeding;
        }
    }

    private static long Processed(ChromeDriver driver) =>
        long.TryParse(driver.FindElement(By.Id("processed")).Text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static void Until(ChromeDriver driver, Func<ChromeDriver, bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(driver))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"Timed out on the status page: {what}.");
            Thread.Sleep(100);
        }
    }

    /// <summary>The repository's TestResults folder (where <c>.ci/run</c> collects results), or the test project's.</summary>
    private static string ResultsDirectory()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Faustish.sln")))
            {
                return Path.Combine(folder.FullName, "TestResults");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }
}
