using System;
using System.Collections.Generic;
using Faustish.Agents;
using Faustish.Serialization;
using Faustish.Tables;
using Faustish.Tables.Windows;
using Faustish.Transport;

namespace Faustish.Joins;

/// <summary>What a join agent's generated code implements: it is given every join result, in order.</summary>
public interface IJoinTarget<TKey, TLeft, TRight>
{
    /// <summary>
    /// One join result: both sides (one of them null for a left or outer join's unmatched record), or, in a table–table
    /// join, <c>(key, null, null)</c> when the key's result is gone. Records sent meanwhile carry the result's time.
    /// </summary>
    void Joined(TKey key, TLeft? left, TRight? right);
}

/// <summary>The untyped face of a partition's join, for the worker: the right side's input.</summary>
public abstract class JoinTask
{
    private protected JoinTask()
    {
    }

    /// <summary>Opens the right side's input at the position the join's state holds.</summary>
    internal abstract TimedInput OpenRightInput(ITransport transport, int partition);
}

/// <summary>
/// One partition of a join agent's join: the records of both sides, matched as docs/joins.md says. The generated loop
/// gives it the agent's own records (<see cref="Left"/>); the right side's records come from its topic, applied in
/// time order with them (<see cref="TimedInputs"/>). Everything runs on the worker's thread.
/// </summary>
public sealed class JoinTask<TKey, TLeft, TRight> : JoinTask where TKey : notnull
{
    private readonly AgentPartitionContext _context;
    private readonly JoinState<TKey, TLeft, TRight> _state;
    private readonly IJoinTarget<TKey, TLeft, TRight> _target;
    private readonly JoinDefinition<TKey, TLeft, TRight> _join;
    private readonly JoinWindow? _window;

    // Unmatched records of a left or outer join, by the time their window closes: their result waits until then.
    private readonly SortedSet<Pending> _pending = new(PendingOrder.Instance);

    // Every kept record of a stream–stream join, by the time it can no longer be joined.
    private readonly PriorityQueue<Pending, (long, long)> _expiry = new();

    internal JoinTask(AgentPartitionContext context, JoinDefinition<TKey, TLeft, TRight> join, JoinState<TKey, TLeft, TRight> state, IJoinTarget<TKey, TLeft, TRight> target)
    {
        _context = context;
        _state = state;
        _target = target;
        _join = join;
        _window = _join.Window;
        if (_window is not null)
        {
            // After a restore: rebuild what waits for time from the records kept.
            Index(state.Left, isLeft: true);
            Index(state.Right, isLeft: false);
        }
    }

    /// <summary>The partition's state (tests and tools).</summary>
    internal JoinState<TKey, TLeft, TRight> State => _state;

    /// <summary>
    /// A record of the agent's own topic (the left side), between the context's <c>Begin</c> and <c>Complete</c>;
    /// <paramref name="encoded"/> is its value's bytes (what the join's changelog keeps). A null value deletes the key in
    /// a table–table join; a stream–stream join cannot join it and logs and counts it.
    /// </summary>
    public void Left(TKey key, TLeft? value, ReadOnlySpan<byte> encoded)
    {
        var timestampMs = _context.Event.TimestampMs;
        if (_window is null)
        {
            TableUpdate(key, value, encoded, timestampMs, isLeft: true);
            return;
        }

        if (value is null)
        {
            Skip(_join.Left.Name, timestampMs);
            return;
        }

        StreamRecord(_state.Left, _state.Right, key, value, encoded, timestampMs, isLeft: true);
    }

    /// <summary>A record of the right side's topic, applied in time order with the agent's own.</summary>
    internal void Right(TKey key, TRight? value, ReadOnlySpan<byte> encoded, long timestampMs)
    {
        if (_window is null)
        {
            TableUpdate(key, value, encoded, timestampMs, isLeft: false);
            return;
        }

        if (value is null)
        {
            Skip(_join.Right.Name, timestampMs);
            return;
        }

        StreamRecord(_state.Right, _state.Left, key, value, encoded, timestampMs, isLeft: false);
    }

    /// <summary>
    /// A stream–stream join's record of one side: dropped as late once its window has closed; else joined with the other
    /// side's kept records within the window (a left record takes right ones from <c>before</c> earlier to <c>after</c>
    /// later; a right record the mirror of that), and kept itself.
    /// </summary>
    private void StreamRecord<TThis, TOther>(JoinSide<TKey, TThis> own, JoinSide<TKey, TOther> other, TKey key, TThis value, ReadOnlySpan<byte> encoded,
        long timestampMs, bool isLeft)
    {
        var earlier = isLeft ? _window!.BeforeMs : _window!.AfterMs;
        var later = isLeft ? _window.AfterMs : _window.BeforeMs;
        _state.AdvanceStreamTime(timestampMs);
        if (timestampMs + later + _window.GraceMs < _state.StreamTimeMs)
        {
            Late(isLeft ? _join.Left.Name : _join.Right.Name, timestampMs, timestampMs - earlier, timestampMs + later, later);
            CloseWindows();
            return;
        }

        var matched = false;
        if (other.Entries.TryGetValue(key, out var partners))
        {
            foreach (var partner in partners)
            {
                if (partner.TimestampMs >= timestampMs - earlier && partner.TimestampMs <= timestampMs + later)
                {
                    matched = true;
                    Partnered(other, key, partner, isLeft: !isLeft);
                    var at = Math.Max(timestampMs, partner.TimestampMs);
                    if (isLeft)
                    {
                        Emit(key, (TLeft)(object)value!, (TRight)(object)partner.Value!, at);
                    }
                    else
                    {
                        Emit(key, (TLeft)(object)partner.Value!, (TRight)(object)value!, at);
                    }
                }
            }
        }

        Keep(own, key, value, encoded, timestampMs, matched, isLeft);
        CloseWindows();
    }

    internal override TimedInput OpenRightInput(ITransport transport, int partition)
    {
        var source = new TopicPartition(_join.Right.Name, partition);
        return new JoinRightInput<TKey, TLeft, TRight>(this, _join.RightTopic, source, transport.OpenReader(source, _state.RightPosition), transport, _context);
    }

    internal void RightProcessed(long nextOffset) => _state.RightProcessed(nextOffset);

    /// <summary>Whether a left (or, for the right side, outer) join gives this side's unmatched records a result.</summary>
    private bool KeepsUnmatched(bool isLeft) => _join.Kind == JoinKind.Outer || (_join.Kind == JoinKind.Left && isLeft);

    private long CloseOf(long timestampMs, bool isLeft) => timestampMs + (isLeft ? _window!.AfterMs : _window!.BeforeMs) + _window.GraceMs;

    private void Keep<T>(JoinSide<TKey, T> side, TKey key, T value, ReadOnlySpan<byte> encoded, long timestampMs, bool matched, bool isLeft)
    {
        var entry = new JoinEntry<T>(timestampMs, _state.TakeSequence(), value, encoded.ToArray()) { Matched = matched };
        side.For(key).Add(entry);
        side.Added(key);
        var pending = new Pending(CloseOf(timestampMs, isLeft), entry.Sequence, isLeft, key);
        _expiry.Enqueue(pending with { AtMs = timestampMs + _window!.RetentionMs }, (timestampMs + _window.RetentionMs, entry.Sequence));
        if (!matched && KeepsUnmatched(isLeft))
        {
            _pending.Add(pending);
        }
    }

    private void Partnered<T>(JoinSide<TKey, T> side, TKey key, JoinEntry<T> entry, bool isLeft)
    {
        if (entry.Matched)
        {
            return;
        }

        entry.Matched = true;
        side.Dirty.Add(key);
        if (KeepsUnmatched(isLeft))
        {
            _pending.Remove(new Pending(CloseOf(entry.TimestampMs, isLeft), entry.Sequence, isLeft, key));
        }
    }

    /// <summary>
    /// Gives unmatched records whose window has closed (stream time passed their time plus the window's far side plus
    /// grace) their result with the other side null, then forgets records nothing can join any more. Record by record,
    /// so results never depend on how records were batched.
    /// </summary>
    private void CloseWindows()
    {
        var now = _state.StreamTimeMs;
        while (_pending.Count > 0 && _pending.Min is { } closed && closed.AtMs < now)
        {
            _pending.Remove(closed);
            if (closed.IsLeft)
            {
                if (Find(_state.Left, closed) is { Matched: false } left)
                {
                    left.Matched = true;
                    _state.Left.Dirty.Add(closed.Key);
                    Emit(closed.Key, left.Value, default, left.TimestampMs);
                }
            }
            else if (Find(_state.Right, closed) is { Matched: false } right)
            {
                right.Matched = true;
                _state.Right.Dirty.Add(closed.Key);
                Emit(closed.Key, default, right.Value, right.TimestampMs);
            }
        }

        while (_expiry.TryPeek(out var expired, out var at) && at.Item1 < now)
        {
            _expiry.Dequeue();
            if (expired.IsLeft)
            {
                Forget(_state.Left, expired);
            }
            else
            {
                Forget(_state.Right, expired);
            }
        }
    }

    private static JoinEntry<T>? Find<T>(JoinSide<TKey, T> side, Pending pending)
    {
        if (side.Entries.TryGetValue(pending.Key, out var list))
        {
            foreach (var entry in list)
            {
                if (entry.Sequence == pending.Sequence)
                {
                    return entry;
                }
            }
        }

        return null;
    }

    private static void Forget<T>(JoinSide<TKey, T> side, Pending pending)
    {
        if (side.Entries.TryGetValue(pending.Key, out var list))
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Sequence == pending.Sequence)
                {
                    list.RemoveAt(i);
                    side.Removed(pending.Key, list, 1);
                    return;
                }
            }
        }
    }

    private void Index<T>(JoinSide<TKey, T> side, bool isLeft)
    {
        foreach (var (key, list) in side.Entries)
        {
            foreach (var entry in list)
            {
                var pending = new Pending(CloseOf(entry.TimestampMs, isLeft), entry.Sequence, isLeft, key);
                _expiry.Enqueue(pending with { AtMs = entry.TimestampMs + _window!.RetentionMs }, (entry.TimestampMs + _window.RetentionMs, entry.Sequence));
                if (!entry.Matched && KeepsUnmatched(isLeft))
                {
                    _pending.Add(pending);
                }
            }
        }
    }

    /// <summary>
    /// A table–table join: the side's latest value of the key changes (null: deleted); the key's result is given again,
    /// or <c>(key, null, null)</c> when there was one and there is none now.
    /// </summary>
    private void TableUpdate<TThis>(TKey key, TThis? value, ReadOnlySpan<byte> encoded, long timestampMs, bool isLeft)
    {
        _state.AdvanceStreamTime(timestampMs);
        var leftEntry = _state.Left.Latest(key);
        var rightEntry = _state.Right.Latest(key);
        var hadResult = HasResult(leftEntry is not null, rightEntry is not null);
        if (isLeft)
        {
            leftEntry = Replace(_state.Left, key, (TLeft?)(object?)value, encoded, timestampMs);
        }
        else
        {
            rightEntry = Replace(_state.Right, key, (TRight?)(object?)value, encoded, timestampMs);
        }

        // A result is as old as the newer of the update and the other side's record (Kafka Streams' table joins).
        var other = isLeft ? rightEntry?.TimestampMs : leftEntry?.TimestampMs;
        if (HasResult(leftEntry is not null, rightEntry is not null))
        {
            Emit(key, leftEntry is null ? default : leftEntry.Value, rightEntry is null ? default : rightEntry.Value, Math.Max(timestampMs, other ?? timestampMs));
        }
        else if (hadResult)
        {
            Emit(key, default, default, timestampMs);
        }
    }

    private bool HasResult(bool left, bool right) => _join.Kind switch
    {
        JoinKind.Inner => left && right,
        JoinKind.Left => left,
        _ => left || right,
    };

    private JoinEntry<T>? Replace<T>(JoinSide<TKey, T> side, TKey key, T? value, ReadOnlySpan<byte> encoded, long timestampMs)
    {
        var entry = value is null ? null : new JoinEntry<T>(timestampMs, _state.TakeSequence(), value, encoded.ToArray());
        side.Replace(key, entry);
        return entry;
    }

    private void Emit(TKey key, TLeft? left, TRight? right, long timestampMs)
    {
        _context.Sender.EventTimestampMs = timestampMs;
        _target.Joined(key, left, right);
    }

    private void Skip(string topic, long timestampMs)
    {
        _state.SkippedRecords++;
        _context.JoinRecordSkipped(topic, timestampMs,
            "it has no value (a tombstone), and a stream–stream join joins values; send the record with a value, or join tables (leave Window out) if null means a delete");
    }

    private void Late(string topic, long timestampMs, long fromMs, long toMs, long reachMs)
    {
        _state.LateRecords++;
        ((IWindowContext)_context).OnLateEvent(new LateEvent(_state.Definition.Name, LateEvents.Drop, timestampMs,
            new Window(Math.Max(fromMs, 0), toMs + 1), _state.StreamTimeMs, false, timestampMs + reachMs + _window!.GraceMs));
    }

    /// <summary>A kept record by the time something happens to it: its window closes (<see cref="_pending"/>), or it expires.</summary>
    private readonly record struct Pending(long AtMs, long Sequence, bool IsLeft, TKey Key);

    private sealed class PendingOrder : IComparer<Pending>
    {
        public static readonly PendingOrder Instance = new();

        public int Compare(Pending x, Pending y)
        {
            var byTime = x.AtMs.CompareTo(y.AtMs);
            return byTime != 0 ? byTime : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
