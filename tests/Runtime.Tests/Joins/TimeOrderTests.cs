using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Faustish.Agents;
using Faustish.Hosting;
using Faustish.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Faustish.Tests.Joins;

/// <summary>
/// Two inputs of one agent partition (its topic and the topic feeding a table it reads) are processed in timestamp
/// order across them, whatever order they were written in; an input with nothing to give is waited for up to
/// MaxTaskIdle, and not longer.
/// </summary>
public sealed class TimeOrderTests : IAsyncDisposable
{
    private const long T0 = 1_700_000_000_000;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "faustish-time-order-" + Guid.NewGuid().ToString("N"));
    private readonly WorkerThreads _workers = new();
    private FaustishRuntime? _runtime;

    private static DateTimeOffset At(int second) => DateTimeOffset.FromUnixTimeMilliseconds(T0 + second * 1000L);

    [Fact]
    public void An_order_sees_its_customer_as_of_the_orders_time_though_every_update_was_written_first()
    {
        var runtime = Start(TimeSpan.Zero, startWorkers: false);
        var sender = runtime.CreateSender();
        using (var producer = sender.Producer)
        {
            // All customer updates are on their topic before any order: a table brought up to date per batch would give
            // every order "v3". In time order, each order sees the value its customer had at its time.
            sender.Send(JCustomers.Definition, "c", new JCustomer("v1"), At(1));
            sender.Send(JCustomers.Definition, "c", new JCustomer("v2"), At(10));
            sender.Send(JCustomers.Definition, "c", new JCustomer("v3"), At(20));
            producer.Flush(CancellationToken.None);
            sender.Send(JOrders.Definition, "c", new JOrder("o0", 1m), At(0));
            sender.Send(JOrders.Definition, "c", new JOrder("o5", 1m), At(5));
            sender.Send(JOrders.Definition, "c", new JOrder("o10", 1m), At(10));
            sender.Send(JOrders.Definition, "c", new JOrder("o15", 1m), At(15));
            sender.Send(JOrders.Definition, "c", new JOrder("o25", 1m), At(25));
            producer.Flush(CancellationToken.None);
        }

        // Started once both topics hold their records: with MaxTaskIdle 0, customers written while the agent has no
        // order yet would be applied at once (as Kafka Streams would).
        _workers.Start(runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()));
        string[] expected = ["c o0|- @0", "c o5|v1 @5", "c o10|v2 @10", "c o15|v2 @15", "c o25|v3 @25"];
        _workers.WaitFor(() => JoinTests.Read(runtime, JEnriched.Definition).Count >= expected.Length, () => string.Join(", ", JoinTests.Read(runtime, JEnriched.Definition)));
        _workers.StopAll();
        Assert.Equal(expected, JoinTests.Read(runtime, JEnriched.Definition));
    }

    [Fact]
    public void An_idle_input_is_waited_for_up_to_MaxTaskIdle_then_processing_goes_on_without_it()
    {
        // MaxTaskIdle is far longer than the gap between the two writes, so the order waits for the customer record
        // that comes after it but is older; then an order of a key whose customer never comes is processed anyway.
        var runtime = Start(TimeSpan.FromSeconds(3));
        var sender = runtime.CreateSender();
        using var producer = sender.Producer;
        sender.Send(JOrders.Definition, "c", new JOrder("o5", 1m), At(5));
        producer.Flush(CancellationToken.None);
        Thread.Sleep(200);
        sender.Send(JCustomers.Definition, "c", new JCustomer("v1"), At(1));
        producer.Flush(CancellationToken.None);
        _workers.WaitFor(() => JoinTests.Read(runtime, JEnriched.Definition).Count >= 1, () => "the first order was not processed");
        Assert.Equal(["c o5|v1 @5"], JoinTests.Read(runtime, JEnriched.Definition));

        sender.Send(JOrders.Definition, "d", new JOrder("o6", 1m), At(6));
        producer.Flush(CancellationToken.None);
        _workers.WaitFor(() => JoinTests.Read(runtime, JEnriched.Definition).Count >= 2, () => "the order was held back for good by the idle customer topic");
        _workers.StopAll();
        Assert.Equal(["c o5|v1 @5", "d o6|- @6"], JoinTests.Read(runtime, JEnriched.Definition));
    }

    private FaustishRuntime Start(TimeSpan maxTaskIdle, bool startWorkers = true)
    {
        var options = new FaustishOptions
        {
            AppId = "time-order",
            DataDirectory = _directory,
            PollTimeout = TimeSpan.FromMilliseconds(20),
            CommitInterval = TimeSpan.FromMilliseconds(100),
            MaxTaskIdle = maxTaskIdle,
        };
        options.Validate("time-order");
        _runtime = new FaustishRuntime(options, new AppModel([JOrders.Definition, JCustomers.Definition, JEnriched.Definition], [JCustomerTable.Definition],
            [EnrichJOrders.Definition]), NullLoggerFactory.Instance);
        Assert.True(_runtime.EnsureTopicsAsync(CancellationToken.None).AsTask().Wait(TimeSpan.FromSeconds(30)));
        if (startWorkers)
        {
            _workers.Start(_runtime.CreateWorkers(new ServiceCollection().BuildServiceProvider()));
        }

        return _runtime;
    }

    public async ValueTask DisposeAsync()
    {
        _workers.Dispose();
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
