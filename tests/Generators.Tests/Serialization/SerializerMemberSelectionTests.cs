using System;
using System.Text;
using Faustish.Generated.Codecs;
using Faustish.Serialization;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>
/// <c>JsonRecordCodec.Read(data, members)</c>, what an agent's loop calls when the agent reads only some members: those
/// are decoded as the whole read decodes them, the others keep their defaults, and whatever the whole read rejects for
/// its kind of JSON is rejected the same way.
/// </summary>
public sealed class SerializerMemberSelectionTests
{
    // PageView's members by bit: page 1, user 2, at 4.
    private const ulong Page = 0x1, User = 0x2, At = 0x4;

    private static readonly byte[] View = Encoding.UTF8.GetBytes("""{"page":"/home","user":"ada","at":"2026-12-02T10:00:00+01:00"}""");

    [Fact]
    public void The_selected_members_are_decoded_as_the_whole_read_decodes_them_and_the_others_keep_their_defaults()
    {
        var whole = PageViewJsonCodec.Instance.Read(View);

        var at = PageViewJsonCodec.Instance.Read(View, At);
        Assert.Equal(whole.At, at.At);
        Assert.Equal(whole.At.Offset, at.At.Offset);
        Assert.Null(at.Page);
        Assert.Null(at.User);

        var pageAndUser = PageViewJsonCodec.Instance.Read(View, Page | User);
        Assert.Equal(whole with { At = default }, pageAndUser);
        Assert.Equal(whole, PageViewJsonCodec.Instance.Read(View, ulong.MaxValue));
    }

    [Theory]
    [InlineData("""{"page":5,"user":"ada","at":"2026-12-02T10:00:00Z"}""")]
    [InlineData("""{"page":"/","user":{"name":"ada"},"at":"2026-12-02T10:00:00Z"}""")]
    [InlineData("""{"page":"/","user":"ada","at":"2026-12-02T10:00:00Z"} trailing""")]
    [InlineData("""{"page":"/","user":"ada","at":"2026-12-02""")]
    public void Json_the_whole_read_rejects_for_its_kind_is_rejected_with_the_same_error(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var whole = Assert.Throws<RecordDecodeException>(() => PageViewJsonCodec.Instance.Read(bytes));
        var selected = Assert.Throws<RecordDecodeException>(() => PageViewJsonCodec.Instance.Read(bytes, At));
        Assert.Equal(whole.Message, selected.Message);
        Assert.Equal(whole.Path, selected.Path);
    }

    [Fact]
    public void A_left_out_member_is_checked_for_its_kind_of_token_only()
    {
        // The agent does not read 'at': a string that is no date is skipped like any other string.
        var bytes = Encoding.UTF8.GetBytes("""{"page":"/home","user":"ada","at":"yesterday"}""");
        Assert.Throws<RecordDecodeException>(() => PageViewJsonCodec.Instance.Read(bytes));
        Assert.Equal("/home", PageViewJsonCodec.Instance.Read(bytes, Page).Page);
    }

    [Fact]
    public void A_constructor_that_rejects_a_left_out_default_gets_the_whole_read()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"name":"a","note":"b"}""");
        Assert.Equal(new Checked("a", "b"), CheckedJsonCodec.Instance.Read(bytes, 0x1));
    }

    [Fact]
    public void A_required_member_left_out_is_still_required()
    {
        Assert.Equal("ada", CustomerJsonCodec.Instance.Read(Encoding.UTF8.GetBytes("""{"name":"ada"}"""), 0).Name);
        var exception = Assert.Throws<RecordDecodeException>(() => CustomerJsonCodec.Instance.Read(Encoding.UTF8.GetBytes("""{"home":null}"""), 0));
        Assert.Equal("$.name: required member 'name' is missing", exception.Message);
    }
}
