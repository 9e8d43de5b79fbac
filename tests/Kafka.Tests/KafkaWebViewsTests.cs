using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Faustish.Kafka.Tests.Support;
using Xunit.Abstractions;
using static Faustish.Kafka.Tests.Support.GroupScenario;

namespace Faustish.Kafka.Tests;

/// <summary>
/// Table views on Kafka (Faust's <c>table_route</c>): two processes split the four partitions of the clicks table; a
/// read for any key, asked of either process, returns the owner's value: answered locally when the key is the
/// process's own, forwarded to the owner's web server (as it publishes it on the assignment board) when not. No standby
/// replicas: every Kafka worker with its web server on keeps the board (see <c>FaustishRuntime.KeepsBoard</c>).
/// </summary>
[Collection(KafkaSystemTests.Name)]
public sealed class KafkaWebViewsTests(ITestOutputHelper output)
{
    private const long Events = 3_000;

    [Fact]
    public async Task A_read_for_any_key_asked_of_either_process_returns_the_owners_value()
    {
        using var scenario = new GroupScenario(output, nameof(KafkaWebViewsTests));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["Faustish__Web__Port"] = "0" };
        try
        {
            var workers = Enumerable.Range(1, 2).Select(n => scenario.StartWorker(n, settings)).ToList();
            scenario.WaitUntil("two processes own the four partitions", workers, null,
                () => workers.All(w => Held(w).Count > 0) && workers.SelectMany(Held).Distinct().Count() == 4);

            using (var sender = scenario.Sender(Events, 20_000))
            {
                sender.OpenUpTo(Events);
                sender.WaitUntilDone(Bound);
            }

            scenario.WaitUntil("every click is counted in the changelog", workers, null, () => scenario.ReadCounts().Values.Sum() == Events,
                poll: TimeSpan.FromMilliseconds(500));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var addresses = workers.ToDictionary(w => w.Name, w => File.ReadAllText(Path.Combine(scenario.DataDirectory(w.Name), "web.url")).Trim());

            // Each process learns where the other's partitions are from its next heartbeat on the board: wait until both
            // answer a key of every partition, then ask every key of each without retrying. The keys are asked all at
            // once: a worker answers reads between its batches, so an idle one answers each after its fetch wait.
            scenario.WaitUntil("both processes answer a key of every partition", workers, null,
                () => addresses.Values.All(address => Task.WhenAll(Enumerable.Range(0, 16).Select(user => AskAsync(http, address, user))).GetAwaiter().GetResult().Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Partition).Distinct().Count() == 4),
                poll: TimeSpan.FromMilliseconds(250));

            var expected = Expected(Events);
            foreach (var (name, address) in addresses)
            {
                int local = 0, forwarded = 0;
                var answers = await Task.WhenAll(expected.Keys.Select(user => AskAsync(http, address, user)));
                foreach (var (user, count) in expected)
                {
                    var answer = answers[user];
                    Assert.True(answer.Status == HttpStatusCode.OK, $"{name} answered {answer.Status} for user {user}: {answer.Body}");
                    Assert.Equal(count, answer.Value);
                    if (answer.Owner is null)
                    {
                        local++;
                    }
                    else
                    {
                        forwarded++;
                    }
                }

                scenario.Log($"{name} ({address}): {expected.Count:N0} keys right, {local:N0} answered itself, {forwarded:N0} forwarded to the owner");
                Assert.True(local > 0 && forwarded > 0, $"{name} answered {local} keys itself and forwarded {forwarded}: both processes own partitions, so both must happen.");
            }

            scenario.StopAll(workers);
        }
        catch
        {
            scenario.Log(scenario.Diagnostics());
            throw;
        }
    }

    private static async Task<(HttpStatusCode Status, int Partition, long Value, string? Owner, string Body)> AskAsync(HttpClient http, string address, long user)
    {
        using var response = await http.GetAsync(new Uri(new Uri(address), $"/tables/{Table}/{user}"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, -1, 0, null, body);
        }

        using var json = JsonDocument.Parse(body);
        var owner = response.Headers.TryGetValues("Faustish-Owner", out var values) ? values.Single() : null;
        return (response.StatusCode, json.RootElement.GetProperty("partition").GetInt32(), json.RootElement.GetProperty("value").GetInt64(), owner, body);
    }
}
