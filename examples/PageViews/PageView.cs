using System;

namespace PageViews;

/// <summary>Someone looked at a page.</summary>
public sealed record PageView(string Page, string User, DateTimeOffset At, Device Device, Referrer? Referrer);

/// <summary>Where the visitor came from.</summary>
public sealed record Referrer(string Host, string? Campaign);

public enum Device
{
    Desktop,
    Phone,
    Tablet,
}

/// <summary>A page reached a round number of views.</summary>
public sealed record Milestone(string Page, long Views, DateTimeOffset At);
