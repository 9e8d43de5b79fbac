using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Faustish.IO;
using Microsoft.Extensions.Logging;

namespace Faustish.Transport.Embedded;

/// <summary>
/// The decision point of the embedded log's transactions: <c>{dataDir}/transactions.state</c>, one small file
/// replaced atomically (<see cref="DurableFile"/>: temp, fsync, rename, fsync directory) on every transactional
/// commit and abort. A transaction is committed exactly when a version of this file that records it is in place;
/// the same write records the group positions of the transaction, so outputs, changelogs and positions become
/// durable together or not at all.
/// </summary>
/// <remarks>
/// <para><b>Ids.</b> A transaction id is <c>epoch &lt;&lt; 32 | sequence</c>; the epoch is raised and saved every
/// time the transport opens with this file present, so an id is never used twice, even after a crash. Every
/// record carries its transaction id (0 outside transactions, <see cref="RecordCodec"/>).</para>
/// <para><b>Visibility.</b> A transaction registers in each partition before its first record there
/// (<see cref="PartitionLog.BeginTransactionalWrite"/>); readers stop at the oldest open transaction's first
/// offset (<see cref="PartitionLog.VisibleUntil"/>, Kafka's last stable offset) and skip records of aborted
/// transactions (which keep their offsets, as in Kafka). Records of other writers that interleave with a transaction's
/// are unaffected by its outcome.</para>
/// <para><b>Offsets.</b> Every position in the file (decided marks, committed ends, aborted ranges, group positions)
/// is a record offset. Format 1 held log addresses and is refused with a message.</para>
/// <para><b>Recovery.</b> Per partition written transactionally, the file keeps <c>decided</c>: below it every
/// transactional record is decided (committed, or listed as aborted). Committed transactions whose data lies
/// above <c>decided</c> are listed with their end. At open, each such partition is scanned from <c>decided</c> to
/// its durable end; a transactional record whose transaction is not listed as committed belonged to a
/// transaction open at the crash: it is aborted, and its id is added to the partition's aborted list, forever.
/// A partition is registered here (a file write, once per partition) before the first transactional record.</para>
/// <para><b>Fencing.</b> One producer per transactional id: a new one fences the old, whose commits then fail.
/// Positions are committed only for partitions the committing consumer owns (checked under the group's lock,
/// which a commit holds until the outcome is visible), so a member that lost a partition cannot commit it.</para>
/// </remarks>
internal sealed class TransactionJournal
{
    public const string FileName = "transactions.state";
    private const string FormatLine = "faustish-transactions 2";
    private const string OldFormatLine = "faustish-transactions 1";

    private readonly Lock _sync = new();
    private readonly string _path;
    private readonly EmbeddedTransport _transport;
    private readonly Dictionary<TopicPartition, PartitionLog> _logs = [];
    private readonly Dictionary<string, EmbeddedProducer> _producers = new(StringComparer.Ordinal);
    private State _state;
    private bool _saved;
    private long _sequence;

    private TransactionJournal(EmbeddedTransport transport, string path, State state, bool saved)
    {
        _transport = transport;
        _path = path;
        _state = state;
        _saved = saved;
    }

    /// <summary>Transactions aborted at open (crash recovery), for tests and logs.</summary>
    public int RecoveredAborts { get; private set; }

    /// <summary>Loads the file (if any) and recovers: transactions open at the last crash are aborted.</summary>
    public static TransactionJournal Open(EmbeddedTransport transport, string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return new TransactionJournal(transport, path, new State { Epoch = 1 }, saved: false);
        }

        var journal = new TransactionJournal(transport, path, Load(path), saved: true);
        journal.Recover();
        return journal;
    }

    private void Recover()
    {
        var next = _state.Clone();
        next.Epoch++;
        var aborted = 0;
        foreach (var (partition, state) in next.Partitions.ToList())
        {
            if (_transport.GetPartitionCount(partition.Topic) is not { } count || partition.Partition >= count)
            {
                next.Partitions.Remove(partition); // The topic is gone.
                continue;
            }

            var log = _transport.GetLog(partition);
            var end = log.DurableOffset;
            var from = Math.Min(state.Decided, end);
            var committed = new HashSet<long>(state.Committed.Select(c => c.TransactionId));
            foreach (var range in Scan(log, from, end, committed))
            {
                state.Aborted.Add(range);
                aborted++;
                _transport.Logger.LogWarning(
                    "Transaction {Transaction:x} was open when the app stopped: its records in {Partition} (offsets {First}..{Last}) are aborted and will never be read.",
                    range.TransactionId, partition, range.First, range.Last);
            }

            state.Decided = end;
            state.Committed.Clear();
            log.LoadAborted(state.Aborted.Select(a => a.TransactionId));
            _logs[partition] = log;
        }

        Save(next);
        _state = next;
        RecoveredAborts = aborted;
    }

    /// <summary>Aborted ranges: transactional records at offsets [from, end) whose transaction is not in <paramref name="committed"/>.</summary>
    private static unsafe List<AbortedRange> Scan(PartitionLog log, long from, long end, HashSet<long> committed)
    {
        var ranges = new Dictionary<long, AbortedRange>();
        if (from < end)
        {
            using var iterator = log.ScanFrom(from);
            while (iterator.UnsafeGetNext(out var entry, out var length, out var address, out _))
            {
                try
                {
                    var span = new ReadOnlySpan<byte>(entry, length);
                    var offset = RecordCodec.OffsetOf(span, log.Partition, address);
                    if (offset < from)
                    {
                        continue;
                    }

                    if (offset >= end)
                    {
                        break;
                    }

                    var id = RecordCodec.TransactionIdOf(span);
                    if (id != 0 && !committed.Contains(id))
                    {
                        ranges[id] = ranges.TryGetValue(id, out var range)
                            ? range with { Last = offset }
                            : new AbortedRange(id, offset, offset);
                    }
                }
                finally
                {
                    iterator.UnsafeRelease();
                }
            }
        }

        return [.. ranges.Values.OrderBy(r => r.First)];
    }

    /// <summary>Makes <paramref name="producer"/> the one producer of its transactional id, fencing the previous one.</summary>
    public void RegisterProducer(string transactionalId, EmbeddedProducer producer)
    {
        lock (_sync)
        {
            if (_producers.TryGetValue(transactionalId, out var previous) && previous != producer)
            {
                previous.Fence();
                _transport.Logger.LogWarning("Transactional producer '{Id}' was replaced; the previous one is fenced and can no longer commit.", transactionalId);
            }

            _producers[transactionalId] = producer;
        }
    }

    public void UnregisterProducer(string transactionalId, EmbeddedProducer producer)
    {
        lock (_sync)
        {
            if (_producers.TryGetValue(transactionalId, out var current) && current == producer)
            {
                _producers.Remove(transactionalId);
            }
        }
    }

    /// <summary>A new transaction id.</summary>
    public long NextTransactionId()
    {
        lock (_sync)
        {
            return ((long)_state.Epoch << 32) | (uint)++_sequence;
        }
    }

    /// <summary>Records <paramref name="log"/>'s partition as written transactionally (durably, once) before its first transactional record.</summary>
    public void Register(PartitionLog log)
    {
        lock (_sync)
        {
            if (_logs.ContainsKey(log.Partition) && _saved)
            {
                return;
            }

            var next = _state.Clone();
            if (!next.Partitions.ContainsKey(log.Partition))
            {
                next.Partitions[log.Partition] = new PartitionState { Decided = log.NextOffset };
            }

            Save(next);
            _state = next;
            _logs[log.Partition] = log;
        }
    }

    /// <summary>The positions of a group committed through the journal, or null if it never committed here.</summary>
    public Dictionary<TopicPartition, long>? PositionsOf(string group)
    {
        lock (_sync)
        {
            return _state.Positions.TryGetValue(group, out var positions) ? new Dictionary<TopicPartition, long>(positions) : null;
        }
    }

    /// <summary>
    /// Commits: durably records the transaction's end in every partition it wrote (its data must be durable
    /// already) and <paramref name="positions"/> of <paramref name="group"/>, then makes its records visible.
    /// Throws (and changes nothing) if the producer is fenced or the file cannot be written.
    /// </summary>
    public void Commit(EmbeddedProducer? producer, long transactionId, IReadOnlyList<(PartitionLog Log, long End)> written,
        string? group, IReadOnlyList<TopicPartitionOffset>? positions)
    {
        lock (_sync)
        {
            ThrowIfFenced(producer);
            var next = _state.Clone();
            foreach (var (log, end) in written)
            {
                next.Partitions[log.Partition].Committed.Add((transactionId, end));
            }

            if (group is not null && positions is not null)
            {
                if (!next.Positions.TryGetValue(group, out var committed))
                {
                    next.Positions[group] = committed = [];
                }

                foreach (var position in positions)
                {
                    committed[position.TopicPartition] = position.Offset;
                }
            }

            Refresh(next, transactionId);
            Save(next);
            _state = next;
            foreach (var (log, _) in written)
            {
                log.EndTransaction(transactionId, aborted: false);
            }
        }
    }

    /// <summary>Aborts: durably lists the transaction as aborted in every partition it wrote, then lets readers pass its records.</summary>
    public void Abort(long transactionId, IReadOnlyList<(PartitionLog Log, long First, long Last)> written)
    {
        lock (_sync)
        {
            var next = _state.Clone();
            foreach (var (log, first, last) in written)
            {
                next.Partitions[log.Partition].Aborted.Add(new AbortedRange(transactionId, first, last));
            }

            Refresh(next, transactionId);
            Save(next);
            _state = next;
            foreach (var (log, _, _) in written)
            {
                log.EndTransaction(transactionId, aborted: true);
            }
        }
    }

    /// <summary>
    /// The log of <paramref name="log"/>'s partition now starts at <paramref name="below"/> (retention or compaction
    /// removed the rest): forgets the aborted ranges that lie wholly below it, in the file and in the partition, since
    /// none of their records is left to skip. Called after the truncation is durable.
    /// </summary>
    public void Prune(PartitionLog log, long below)
    {
        lock (_sync)
        {
            if (!_state.Partitions.TryGetValue(log.Partition, out var current) || !current.Aborted.Exists(a => a.Last < below))
            {
                return;
            }

            var next = _state.Clone();
            var state = next.Partitions[log.Partition];
            var gone = new HashSet<long>();
            foreach (var range in state.Aborted)
            {
                if (range.Last < below)
                {
                    gone.Add(range.TransactionId);
                }
            }

            state.Aborted.RemoveAll(a => a.Last < below);
            foreach (var range in state.Aborted)
            {
                gone.Remove(range.TransactionId); // Still has records in this partition.
            }

            Save(next);
            _state = next;
            log.ForgetAborted(gone);
        }
    }

    /// <summary>The aborted ranges the journal holds for a partition (for tests and logs).</summary>
    internal int AbortedRangeCount(TopicPartition partition)
    {
        lock (_sync)
        {
            return _state.Partitions.TryGetValue(partition, out var state) ? state.Aborted.Count : 0;
        }
    }

    private void ThrowIfFenced(EmbeddedProducer? producer)
    {
        if (producer is not null && (producer.IsFenced
            || !_producers.TryGetValue(producer.TransactionalId!, out var current) || current != producer))
        {
            throw new ProducerFencedException(
                $"Transactional producer '{producer.TransactionalId}' was fenced: another producer with the same id started (the worker was replaced). Its transaction is not committed; stop this worker.");
        }
    }

    /// <summary>Moves every partition's decided mark up to its oldest open transaction (other than the one being decided) and drops commits below it.</summary>
    private void Refresh(State next, long deciding)
    {
        foreach (var (partition, state) in next.Partitions)
        {
            if (_logs.TryGetValue(partition, out var log))
            {
                state.Decided = Math.Max(state.Decided, log.StableBound(deciding));
                state.Committed.RemoveAll(c => c.End <= state.Decided);
            }
        }
    }

    private void Save(State state)
    {
        var text = new StringBuilder();
        text.Append(FormatLine).Append('\n');
        var lines = 0;
        Line($"epoch\t{state.Epoch}");
        foreach (var (partition, p) in state.Partitions.OrderBy(e => e.Key.Topic, StringComparer.Ordinal).ThenBy(e => e.Key.Partition))
        {
            Line($"partition\t{partition.Topic}\t{partition.Partition}\t{p.Decided}");
            foreach (var a in p.Aborted)
            {
                Line($"aborted\t{partition.Topic}\t{partition.Partition}\t{a.TransactionId}\t{a.First}\t{a.Last}");
            }

            foreach (var (id, end) in p.Committed)
            {
                Line($"committed\t{partition.Topic}\t{partition.Partition}\t{id}\t{end}");
            }
        }

        foreach (var (group, positions) in state.Positions.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Line($"group\t{group}");
            foreach (var (partition, offset) in positions.OrderBy(e => e.Key.Topic, StringComparer.Ordinal).ThenBy(e => e.Key.Partition))
            {
                Line($"position\t{group}\t{partition.Topic}\t{partition.Partition}\t{offset}");
            }
        }

        var body = Encoding.UTF8.GetBytes(text.ToString());
        var trailer = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"end {lines} {GroupPositionsFile.Fnv1a64(body):x16}\n"));
        var content = new byte[body.Length + trailer.Length];
        body.CopyTo(content, 0);
        trailer.CopyTo(content, body.Length);
        try
        {
            DurableFile.WriteAtomically(_path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not write the transaction journal '{_path}': {e.Message}. The transaction is not committed.", e);
        }

        _saved = true;

        void Line(FormattableString line)
        {
            text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');
            lines++;
        }
    }

    private static State Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        if (text.StartsWith(OldFormatLine + "\n", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The transaction journal '{path}' was written by an older Faustish ({OldFormatLine}). {EmbeddedTransport.OldFormatAdvice}");
        }

        var endAt = text.LastIndexOf("end ", StringComparison.Ordinal);
        if (!text.StartsWith(FormatLine + "\n", StringComparison.Ordinal) || endAt < 0 || text[endAt - 1] != '\n')
        {
            throw Damaged(path, "it is incomplete or not a transaction journal");
        }

        var trailer = text[endAt..].TrimEnd('\n').Split(' ');
        var body = Encoding.UTF8.GetByteCount(text.AsSpan(0, endAt));
        if (trailer.Length != 3
            || !int.TryParse(trailer[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !ulong.TryParse(trailer[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var checksum)
            || checksum != GroupPositionsFile.Fnv1a64(bytes.AsSpan(0, body)))
        {
            throw Damaged(path, "its checksum does not match");
        }

        var state = new State();
        var lines = text[..endAt].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length - 1 != count)
        {
            throw Damaged(path, "it holds another number of lines than it says");
        }

        for (var i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split('\t');
            try
            {
                switch (f[0])
                {
                    case "epoch":
                        state.Epoch = int.Parse(f[1], CultureInfo.InvariantCulture);
                        break;
                    case "partition":
                        state.Partitions[Tp(f, 1)] = new PartitionState { Decided = Long(f[3]) };
                        break;
                    case "aborted":
                        state.Partitions[Tp(f, 1)].Aborted.Add(new AbortedRange(Long(f[3]), Long(f[4]), Long(f[5])));
                        break;
                    case "committed":
                        state.Partitions[Tp(f, 1)].Committed.Add((Long(f[3]), Long(f[4])));
                        break;
                    case "group":
                        state.Positions[f[1]] = [];
                        break;
                    case "position":
                        state.Positions[f[1]][Tp(f, 2)] = Long(f[4]);
                        break;
                    default:
                        throw Damaged(path, $"line {i + 1} is unknown");
                }
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
            {
                throw Damaged(path, $"line {i + 1} is malformed");
            }
        }

        return state;

        static TopicPartition Tp(string[] f, int at) => new(f[at], int.Parse(f[at + 1], NumberStyles.None, CultureInfo.InvariantCulture));

        static long Long(string s) => long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The journal as another process sees it at this moment (read-only; the file is replaced atomically, so it is
    /// always whole): which transactional records are visible. Read it before the logs, so that every transaction it
    /// names committed has its records durable already.
    /// </summary>
    public static TransactionVisibility ReadVisibility(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return new TransactionVisibility([]);
        }

        var partitions = new Dictionary<TopicPartition, TransactionVisibility.Partition>();
        foreach (var (partition, state) in Load(path).Partitions)
        {
            partitions[partition] = new TransactionVisibility.Partition(state.Decided,
                [.. state.Committed.Select(c => c.TransactionId)], [.. state.Aborted.Select(a => a.TransactionId)]);
        }

        return new TransactionVisibility(partitions);
    }

    /// <summary>Whether the journal at <paramref name="path"/> is of a format this version refuses.</summary>
    public static bool IsOldFormat(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return reader.ReadLine() == OldFormatLine;
    }

    private static InvalidDataException Damaged(string path, string why) =>
        new($"The transaction journal '{path}' is damaged: {why}. It decides which transactional records are visible; restore it from a backup. Deleting it makes every transactional record visible, including those of aborted transactions.");

    internal readonly record struct AbortedRange(long TransactionId, long First, long Last);

    private sealed class PartitionState
    {
        public long Decided { get; set; }

        public List<AbortedRange> Aborted { get; init; } = [];

        public List<(long TransactionId, long End)> Committed { get; init; } = [];

        public PartitionState Clone() => new() { Decided = Decided, Aborted = [.. Aborted], Committed = [.. Committed] };
    }

    private sealed class State
    {
        public int Epoch { get; set; }

        public Dictionary<TopicPartition, PartitionState> Partitions { get; } = [];

        public Dictionary<string, Dictionary<TopicPartition, long>> Positions { get; } = new(StringComparer.Ordinal);

        public State Clone()
        {
            var clone = new State { Epoch = Epoch };
            foreach (var (partition, state) in Partitions)
            {
                clone.Partitions[partition] = state.Clone();
            }

            foreach (var (group, positions) in Positions)
            {
                clone.Positions[group] = new Dictionary<TopicPartition, long>(positions);
            }

            return clone;
        }
    }
}

/// <summary>What a reader in another process may read of the transactional records of each partition.</summary>
internal sealed class TransactionVisibility(Dictionary<TopicPartition, TransactionVisibility.Partition> partitions)
{
    public enum Outcome
    {
        Visible,
        Aborted,
        Undecided,
    }

    /// <summary>Whether the record at <paramref name="offset"/> of transaction <paramref name="transactionId"/> (0: none) may be read.</summary>
    public Outcome Of(TopicPartition partition, long transactionId, long offset)
    {
        if (transactionId == 0)
        {
            return Outcome.Visible;
        }

        if (!partitions.TryGetValue(partition, out var state))
        {
            return Outcome.Undecided; // Registered after this snapshot was read.
        }

        if (state.Aborted.Contains(transactionId))
        {
            return Outcome.Aborted;
        }

        return offset < state.Decided || state.Committed.Contains(transactionId) ? Outcome.Visible : Outcome.Undecided;
    }

    internal sealed record Partition(long Decided, HashSet<long> Committed, HashSet<long> Aborted);
}
