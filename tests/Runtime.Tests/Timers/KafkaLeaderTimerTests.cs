using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Tests.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Faustish.Tests.Timers;

/// <summary>
/// <c>OnLeader = true</c> on the mock Kafka cluster: three members of one group (three runtimes, each with its own data
/// directory, process identity, consumer and producer, in this test process), one fake clock. The leader's timer runs
/// on the member that owns partition 0 and on no other; when that member stops, it runs on the new owner.
/// </summary>
public sealed class KafkaLeaderTimerTests(ITestOutputHelper output)
{
    private const string App = "leader";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private static readonly AppModel Model = new([LeaderTicks.Definition], [], [TickOnLeader.Definition]);

    [Fact]
    public async Task An_OnLeader_timer_runs_on_exactly_one_of_three_members_and_moves_when_that_member_stops()
    {
        // The initial delay lets the three members, started together, form the group in one round.
        using var cluster = MockKafkaCluster.Start(brokers: 1, initialRebalanceDelayMs: 2000);
        foreach (var topic in new AppTopology(Model, App).RequiredTopics())
        {
            cluster.CreateTopic(topic.Name, topic.Partitions);
        }

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var log = new LeaderRuns();
        var root = Path.Combine(Path.GetTempPath(), "faustish-leader-" + Guid.NewGuid().ToString("N"));
        var members = Enumerable.Range(0, 3).Select(i => new Member($"member-{i}", cluster, clock, log, Path.Combine(root, $"member-{i}"))).ToList();
        try
        {
            foreach (var member in members)
            {
                member.Start();
            }

            // A stable group: partition 0 active on exactly one member, every member holding a partition.
            WaitUntil("the three members share the four partitions", members, () => members.All(m => m.Active().Count > 0) &&
                members.Sum(m => m.Active().Count) == 4);
            var leader = members.Single(m => m.Active().Contains(0));
            output.WriteLine($"leader: {leader.Name}; {string.Join(", ", members.Select(m => $"{m.Name} [{string.Join(",", m.Active())}]"))}");

            var before = log.Runs.Count;
            TickUntil(clock, members, () => log.Runs.Count >= before + 5, "the leader's timer ran five times");
            var runs = log.Runs.Skip(before).ToArray();
            Assert.All(runs, run => Assert.Equal(leader.Name, run));

            // The leader leaves: partition 0 moves to another member, and the timer with it.
            leader.Stop();
            var rest = members.Where(m => m != leader).ToList();
            WaitUntil("partition 0 moved to another member", rest, () => rest.Count(m => m.Active().Contains(0)) == 1);
            var next = rest.Single(m => m.Active().Contains(0));
            output.WriteLine($"new leader: {next.Name}");

            var moved = log.Runs.Count;
            TickUntil(clock, rest, () => log.Runs.Skip(moved).Count(r => r == next.Name) >= 3, "the timer ran three times on the new leader");
            Assert.All(log.Runs.Skip(moved), run => Assert.Equal(next.Name, run));
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>Moves the fake clock a second at a time (once the members' loops have seen it) until <paramref name="condition"/> holds.</summary>
    private static void TickUntil(FakeTimeProvider clock, IReadOnlyList<Member> members, Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Bound, $"Not within {Bound}: {what}");
            clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var member in members)
            {
                member.WaitTurns();
            }
        }
    }

    private static void WaitUntil(string what, IReadOnlyList<Member> members, Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Bound, $"Not within {Bound}: {what}; {string.Join(", ", members.Select(m => $"{m.Name} [{string.Join(",", m.Active())}]"))}");
            foreach (var member in members)
            {
                member.ThrowIfFailed();
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>One member of the group: a runtime on the mock cluster and its worker's loop on a thread.</summary>
    private sealed class Member : IAsyncDisposable
    {
        private readonly FaustishRuntime _runtime;
        private readonly LeaderRuns _log;
        private readonly CancellationTokenSource _stop = new();
        private Thread? _thread;
        private Exception? _failure;
        private long _turns;

        public Member(string name, MockKafkaCluster cluster, TimeProvider clock, LeaderRuns log, string directory)
        {
            Name = name;
            _log = log;
            var options = new FaustishOptions
            {
                AppId = App,
                Broker = "kafka://" + cluster.BootstrapServers,
                DataDirectory = directory,
                CommitInterval = TimeSpan.FromMilliseconds(200),
                PollTimeout = TimeSpan.FromMilliseconds(20),
            };
            options.Kafka.Consumer["session.timeout.ms"] = "6000";
            options.Kafka.Consumer["heartbeat.interval.ms"] = "500";
            options.Validate(App);
            _runtime = new FaustishRuntime(options, Model, NullLoggerFactory.Instance) { Clock = clock };
        }

        public string Name { get; }

        public AgentWorker Worker { get; private set; } = null!;

        public void Start()
        {
            Worker = _runtime.CreateWorkers(new ServiceCollection().AddSingleton(new LeaderMember(Name, _log)).BuildServiceProvider()).Single();
            _thread = new Thread(Loop) { IsBackground = true, Name = Name };
            _thread.Start();
        }

        private void Loop()
        {
            try
            {
                Worker.Start(_stop.Token);
                var deadline = Stopwatch.StartNew();
                while (!_stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromMinutes(4))
                {
                    Worker.RunOnce();
                    Interlocked.Increment(ref _turns);
                }

                Worker.Stop();
            }
            catch (Exception exception)
            {
                _failure = exception;
            }
        }

        /// <summary>The partitions whose agent instance is processing here.</summary>
        public HashSet<int> Active()
        {
            if (_thread is null || !_thread.IsAlive)
            {
                return new HashSet<int>();
            }

            var progress = Worker.Progress;
            return Enumerable.Range(0, progress.Partitions).Where(p => progress.PhaseOf(p) == PartitionPhase.Active).ToHashSet();
        }

        public void ThrowIfFailed()
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException($"{Name}'s worker failed", _failure);
            }
        }

        /// <summary>Waits until the loop has gone round twice more, so it has seen the clock as it is now.</summary>
        public void WaitTurns()
        {
            var from = Interlocked.Read(ref _turns);
            var waited = Stopwatch.StartNew();
            while (Interlocked.Read(ref _turns) < from + 2)
            {
                ThrowIfFailed();
                Assert.True(waited.Elapsed < Bound, $"{Name}'s loop stopped turning");
                Thread.Sleep(2);
            }
        }

        /// <summary>Stops the worker (commit, leave the group) and waits for it, bounded.</summary>
        public void Stop()
        {
            _stop.Cancel();
            Assert.True(_thread!.Join(Bound), $"{Name} did not stop within {Bound}");
            ThrowIfFailed();
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _thread?.Join(Bound);
            await _runtime.DisposeAsync();
            _stop.Dispose();
        }
    }
}
