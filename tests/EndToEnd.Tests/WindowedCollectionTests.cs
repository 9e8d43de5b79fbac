using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Faustish.Agents;
using Faustish.EndToEnd.Worker;
using Faustish.Tables.Windows;

namespace Faustish.EndToEnd.Tests;

/// <summary>
/// A windowed table whose value is a list, written with a collection expression
/// (<c>perMinute[sensor, at] = [.. perMinute[sensor, at], value];</c>), behind a real worker, the embedded log and FASTER.
/// </summary>
public sealed class WindowedCollectionTests
{
    private static readonly AppModel Model = new([Readings.Definition], [ReadingsPerMinute.Definition], [CollectReadings.Definition]);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_collection_expression_assigned_through_the_windowed_indexer_appends_to_the_window_of_the_reading()
    {
        var readings = new (string Sensor, long Value, int Second)[]
        {
            ("s1", 10, 5), ("s1", 11, 20), ("s2", 7, 30), ("s1", 13, 40), ("s1", 12, 65), ("s2", 8, 90), ("s2", 9, 100),
        };
        var directory = TestApp.NewDirectory();
        try
        {
            using (var app = new TestApp(Model, directory: directory))
            {
                app.Send(sender =>
                {
                    foreach (var (sensor, value, second) in readings)
                    {
                        sender.Send(Readings.Definition, sensor, new Reading(value, T0.AddSeconds(second)), T0.AddSeconds(second));
                    }
                });

                var worker = app.RunUntil(readings.Length);
                Assert.Equal(readings.Length, worker.Processed);
            }

            // After a restart (the table restored from its store and changelog), in window order.
            using (var app = new TestApp(Model, directory: directory))
            {
                Assert.Equal([(Minute(0), "10,11,13"), (Minute(1), "12")], Read(app, "s1"));
                Assert.Equal([(Minute(0), "7"), (Minute(1), "8,9")], Read(app, "s2"));
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static Window Minute(int index) => new(T0.AddMinutes(index).ToUnixTimeMilliseconds(), T0.AddMinutes(index + 1).ToUnixTimeMilliseconds());

    private static List<(Window Window, string Values)> Read(TestApp app, string sensor)
    {
        var shards = app.Runtime.ReadTable(ReadingsPerMinute.Definition, CancellationToken.None);
        try
        {
            return [.. shards.Cast<WindowedTableShard<string, List<long>>>().SelectMany(s => s.Windows(sensor))
                .Select(w => (w.Window, string.Join(",", w.Value)))];
        }
        finally
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }
}
