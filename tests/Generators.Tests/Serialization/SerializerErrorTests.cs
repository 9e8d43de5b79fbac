using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using Faustish.Generated.Codecs;
using Faustish.Serialization;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>How generated readers treat input that is not what the type expects, and input JsonSerializer tolerates.</summary>
public sealed class SerializerErrorTests
{
    private static RecordDecodeException Fails<T>(IRecordCodec<T> codec, string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var exception = Assert.Throws<RecordDecodeException>(() => codec.Read(bytes));
        // JsonSerializer rejects the same input.
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<T>(bytes, SerializerAssert.Web));
        return exception;
    }

    [Fact]
    public void Malformed_json_names_the_byte_offset()
    {
        var exception = Fails(PageViewJsonCodec.Instance, """{"page":"a","user":tru}""");
        Assert.StartsWith("malformed JSON at byte 22 (in $.user): ", exception.Message, StringComparison.Ordinal);
        Assert.Equal("$.user", exception.Path);
        Assert.IsAssignableFrom<JsonException>(exception.InnerException);
    }

    [Fact]
    public void Malformed_json_on_a_later_line_counts_bytes_from_the_start()
    {
        var exception = Fails(PageViewJsonCodec.Instance, "{\n\"page\": \"a\",\n\"user\" \"b\"}");
        Assert.StartsWith("malformed JSON at byte 22", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_json_is_malformed()
    {
        var exception = Fails(PageViewJsonCodec.Instance, """{"page":"a","us""");
        Assert.StartsWith("malformed JSON at byte", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_input_is_an_error()
    {
        var exception = Fails(PageViewJsonCodec.Instance, "");
        Assert.StartsWith("malformed JSON at byte 0: ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_data_is_an_error()
    {
        var exception = Fails(ClickJsonCodec.Instance, """{"userId":1} {}""");
        Assert.StartsWith("malformed JSON at byte 13", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_token_type_names_the_nested_member()
    {
        var exception = Fails(CustomerJsonCodec.Instance, """{"name":"n","home":{"street":"s","city":5}}""");
        Assert.Equal("$.home.city: expected a string but found a number", exception.Message);
        Assert.Equal("$.home.city", exception.Path);
    }

    [Fact]
    public void Wrong_token_type_in_an_array_names_the_index()
    {
        var exception = Fails(CollectionsJsonCodec.Instance, """{"ints":[1,2,true]}""");
        Assert.Equal("$.ints[2]: expected a number (Int32) but found a boolean", exception.Message);
    }

    [Fact]
    public void Wrong_token_type_in_a_list_of_records_names_index_and_member()
    {
        var exception = Fails(CustomerJsonCodec.Instance, """{"name":"n","others":[{"street":"a"},{"street":[]}]}""");
        Assert.Equal("$.others[1].street: expected a string but found an array", exception.Message);
    }

    [Fact]
    public void Wrong_token_type_in_a_dictionary_names_the_key()
    {
        var exception = Fails(CollectionsJsonCodec.Instance, """{"counts":{"a":1,"b c":"x"}}""");
        Assert.Equal("$.counts['b c']: expected an Int32 but found the string \"x\"", exception.Message);
    }

    [Fact]
    public void An_object_where_a_record_belongs_is_named()
    {
        var exception = Fails(OrderJsonCodec.Instance, """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","customer":"bob"}""");
        Assert.Equal("$.customer: expected an object but found a string", exception.Message);
    }

    [Fact]
    public void Missing_required_member_is_named()
    {
        var exception = Fails(CustomerJsonCodec.Instance, """{"home":null}""");
        Assert.Equal("$.name: required member 'name' is missing", exception.Message);
        Assert.Equal("$.name", exception.Path);
    }

    [Fact]
    public void Missing_JsonRequired_member_is_named()
    {
        var exception = Fails(OrderJsonCodec.Instance, """{"customer":{"name":"c"}}""");
        Assert.Equal("$.id: required member 'id' is missing", exception.Message);
    }

    [Fact]
    public void Missing_required_member_of_a_nested_record_is_named_with_its_path()
    {
        var exception = Fails(OrderJsonCodec.Instance, """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","customer":{"visits":1}}""");
        Assert.Equal("$.customer.name: required member 'name' is missing", exception.Message);
    }

    [Fact]
    public void Null_for_a_non_nullable_value_type_member_is_an_error()
    {
        var exception = Fails(ClickJsonCodec.Instance, """{"userId":null,"page":1,"at":"2024-01-01T00:00:00Z"}""");
        Assert.Equal("$.userId: expected a number (Int64) but found null", exception.Message);
    }

    [Fact]
    public void Null_for_a_non_nullable_struct_member_is_an_error()
    {
        var exception = Fails(PageViewJsonCodec.Instance, """{"page":"p","user":"u","at":null}""");
        Assert.Equal("$.at: expected a string (an ISO 8601 date and time with offset) but found null", exception.Message);
    }

    [Fact]
    public void Number_out_of_range_is_an_error()
    {
        var exception = Fails(NumbersJsonCodec.Instance, """{"b":256}""");
        Assert.Equal("$.b: expected a Byte but found 256", exception.Message);
    }

    [Fact]
    public void Fraction_for_an_integer_is_an_error()
    {
        var exception = Fails(ClickJsonCodec.Instance, """{"page":1.5}""");
        Assert.Equal("$.page: expected an Int32 but found 1.5", exception.Message);
    }

    [Fact]
    public void Invalid_guid_and_date_are_errors()
    {
        Assert.Equal("$.id: expected a GUID but found \"nope\"", Fails(TemporalJsonCodec.Instance, """{"id":"nope"}""").Message);
        Assert.Equal("$.when: expected an ISO 8601 date and time but found \"yesterday\"", Fails(TemporalJsonCodec.Instance, """{"when":"yesterday"}""").Message);
    }

    [Fact]
    public void Unknown_enum_name_is_an_error()
    {
        var exception = Fails(EnumsJsonCodec.Instance, """{"priority":"Whenever"}""");
        Assert.Equal("$.priority: \"Whenever\" is not a value of Priority (expected 'Low', 'Normal', 'High', 'urgent!' or a number)", exception.Message);
    }

    [Fact]
    public void String_for_a_number_enum_is_an_error_as_in_JsonSerializer()
    {
        var exception = Fails(EnumsJsonCodec.Instance, """{"color":"Red"}""");
        Assert.Equal("$.color: expected a number (Color) but found a string", exception.Message);
        Assert.Equal("$.color: expected a number (Color) but found a string", Fails(EnumsJsonCodec.Instance, """{"color":"1"}""").Message);
    }

    [Fact]
    public void Char_must_be_one_character()
    {
        var exception = Fails(NumbersJsonCodec.Instance, """{"c":"ab"}""");
        Assert.Equal("$.c: expected a one-character string but found a string of length 2", exception.Message);
    }

    [Fact]
    public void Unknown_properties_are_skipped()
    {
        const string json = """
            {"extra":{"deep":[1,{"x":null}]},"page":"p","more":[[]],"user":"u","n":1.5e300,"at":"2024-01-01T00:00:00+01:00","s":"\u0041","t":true}
            """;
        var value = PageViewJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(new PageView("p", "u", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(1))), value);
        Assert.Equal(JsonSerializer.Deserialize<PageView>(json, SerializerAssert.Web), value);
    }

    [Fact]
    public void Property_names_match_ignoring_case_and_escapes()
    {
        const string json = """{"PAGE":"p","User":"u","\u0061T":"2024-01-01T00:00:00Z"}""";
        var value = PageViewJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(new PageView("p", "u", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)), value);
        Assert.Equal(JsonSerializer.Deserialize<PageView>(json, SerializerAssert.Web), value);

        var customer = CustomerJsonCodec.Instance.Read("""{"NAME":"n","E_MAIL":"e","Visits":2}"""u8);
        Assert.Equal(("n", "e", 2), (customer.Name, customer.Email, customer.Visits));
    }

    [Theory]
    [InlineData("""{"page":"p","user":"u","at":"2024-01-01T00:00:00Z"}""")]
    [InlineData("""{"at":"2024-01-01T00:00:00Z","user":"u","page":"p"}""")]
    [InlineData("""{"user":"x","page":"q","page":"p","extra":1,"at":"2024-01-01T00:00:00Z","user":"u"}""")]
    [InlineData("""{"page":"p","AT":"2024-01-01T00:00:00Z","user":"u"}""")]
    public void Members_read_the_same_in_declaration_order_or_any_other(string json)
    {
        // The codec compares the name it expects next first (declaration order); every other order takes the full match.
        var value = PageViewJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(new PageView("p", "u", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)), value);
        Assert.Equal(JsonSerializer.Deserialize<PageView>(json, SerializerAssert.Web), value);
    }

    [Fact]
    public void Last_duplicate_property_wins_as_in_JsonSerializer()
    {
        const string json = """{"userId":1,"UserId":2}""";
        var value = ClickJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(JsonSerializer.Deserialize<Click>(json, SerializerAssert.Web), value);
        Assert.Equal(2, value.UserId);
    }

    [Fact]
    public void Numbers_are_read_from_strings()
    {
        const string json = """{"b":"255","sb":"-1","s":"-3","us":"4","i":"+5","ui":"6","l":"-7","ul":"8","f":"1.5","d":"-2.5e3","m":"3.25","c":"x","flag":true}""";
        var value = NumbersJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        SerializerAssert.DeepEqual(JsonSerializer.Deserialize<Numbers>(json, SerializerAssert.Web), value, "$");
        Assert.Equal(5, value.I);
        Assert.Equal(-2500, value.D);
    }

    [Fact]
    public void Number_strings_with_whitespace_are_errors_as_in_JsonSerializer()
    {
        var exception = Fails(NumbersJsonCodec.Instance, """{"i":" 5"}""");
        Assert.Equal("$.i: expected an Int32 but found the string \" 5\"", exception.Message);
    }

    [Fact]
    public void String_enums_read_names_ignoring_case_and_numbers()
    {
        const string json = """{"priority":"urgent!","colorName":"blue","maybeColorName":4,"color":2,"maybePriority":" 2"}""";
        var value = EnumsJsonCodec.Instance.Read(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(Priority.High, value.MaybePriority);
        Assert.Equal((Priority.Urgent, Color.Blue, (Color?)Color.Blue, Color.Green), (value.Priority, value.ColorName, value.MaybeColorName, value.Color));
        SerializerAssert.DeepEqual(JsonSerializer.Deserialize<Enums>(json, SerializerAssert.Web), value, "$");
    }

    [Fact]
    public void Renamed_enum_members_match_only_exactly_as_in_JsonSerializer()
    {
        Assert.Equal(Priority.High, EnumsJsonCodec.Instance.Read("""{"priority":"HIGH"}"""u8).Priority);
        Fails(EnumsJsonCodec.Instance, """{"priority":"URGENT!"}""");
        Fails(EnumsJsonCodec.Instance, """{"priority":"Urgent"}""");
    }

    [Fact]
    public void A_failed_read_does_not_leak_its_path_into_the_next()
    {
        Fails(CustomerJsonCodec.Instance, """{"name":"n","home":{"city":5}}""");
        var exception = Fails(ClickJsonCodec.Instance, """{"page":"x"}""");
        Assert.Equal("$.page", exception.Path);
    }

    [Fact]
    public void Writing_NaN_fails_as_in_JsonSerializer()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => GeoPointJsonCodec.Instance.Write(output, new GeoPoint(double.NaN, 0)));
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(new GeoPoint(double.NaN, 0), SerializerAssert.Web));

        // The cached writer is usable afterwards.
        output.ResetWrittenCount();
        GeoPointJsonCodec.Instance.Write(output, new GeoPoint(1, 2));
        Assert.Equal("""{"lat":1,"lon":2}""", System.Text.Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Deep_equality_helper_notices_differences()
    {
        Assert.ThrowsAny<Exception>(() => SerializerAssert.DeepEqual(new List<int> { 1, 2 }, new List<int> { 1, 3 }, "$"));
        Assert.ThrowsAny<Exception>(() => SerializerAssert.DeepEqual(
            new Customer { Name = "a", Others = [new Address("s", "c", null)] },
            new Customer { Name = "a", Others = [new Address("s", "c", "z")] },
            "$"));
    }
}
