using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Transport;

namespace Faustish.EndToEnd.Tests;

/// <summary>Global tables: written by one agent, read whole by another whose topic is partitioned differently.</summary>
public sealed class GlobalTableTests : IDisposable
{
    private const int Users = 60;
    private static readonly AppModel Model = new([Profiles.Definition, Greetings.Definition], [UserNames.Definition, Greeted.Definition],
        [StoreProfiles.Definition, Greet.Definition]);

    private readonly string _directory = TestApp.NewDirectory();

    [Fact]
    public async Task Every_worker_reads_the_whole_global_table_whatever_partition_it_processes()
    {
        using (var app = new TestApp(Model, directory: _directory))
        {
            app.Send(sender =>
            {
                for (var user = 0; user < Users; user++)
                {
                    sender.Send(Profiles.Definition, user, $"user {user}");
                }
            });
        }

        Assert.Equal(0, await RunWorker());

        using (var app = new TestApp(Model, directory: _directory))
        {
            app.Send(sender =>
            {
                for (var user = 0; user < Users + 5; user++)
                {
                    sender.Send(Greetings.Definition, user, 1L);
                }
            });

            // The global table's changelog is partitioned by key, like any Kafka topic written with the default partitioner.
            for (var partition = 0; partition < 4; partition++)
            {
                foreach (var record in DeadLetterTests.ReadAll(app, new TopicPartition("e2e-user-names-changelog", partition)))
                {
                    Assert.Equal(partition, Routing.KafkaPartitioner.Partition(record.Key, 4));
                }
            }
        }

        Assert.Equal(0, await RunWorker());

        using var check = new TestApp(Model, directory: _directory);
        var greeted = check.ReadTable(Greeted.Definition);
        Assert.Equal(Users + 5, greeted.Count);
        Assert.All(Enumerable.Range(0, Users), user => Assert.Equal($"hello user {user}", greeted[user]));
        Assert.All(Enumerable.Range(Users, 5), user => Assert.Equal("hello stranger", greeted[user]));
    }

    private Task<int> RunWorker() =>
        FaustishApp.RunAsync(["worker", "--exit-when-idle", "--app", "e2e", "--data-dir", _directory], Model, output: TextWriter.Null)
            .WaitAsync(TimeSpan.FromMinutes(2));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
