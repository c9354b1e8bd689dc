#!/usr/bin/perl
# Writes the tiny MaxMind-format databases the geolocation tests read
# (tests/query/geo_testing.h), with Debian's libmaxmind-db-writer-perl:
#   OUTDIR/city.mmdb       GeoLite2-City layout, IPv6 tree (IPv4 aliased)
#   OUTDIR/country.mmdb    GeoLite2-Country layout (no city), IPv6 tree
#   OUTDIR/ipv4-city.mmdb  City layout, IPv4-only tree
# The networks and names are listed in geo_testing.h; keep the two in step.
#
# usage: perl make_geoip_db.pl OUTDIR
use strict;
use warnings;
use utf8;

use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUTDIR\n";
-d $out or die "$0: $out is not a directory\n";

my %types = (
    city                => 'map',
    continent           => 'map',
    country             => 'map',
    registered_country  => 'map',
    location            => 'map',
    names               => 'map',
    code                => 'utf8_string',
    iso_code            => 'utf8_string',
    en                  => 'utf8_string',
    de                  => 'utf8_string',
    geoname_id          => 'uint32',
    latitude            => 'double',
    longitude           => 'double',
);

sub country {
    my ( $iso, $en, $de ) = @_;
    return { iso_code => $iso, names => { en => $en, de => $de } };
}

sub city {
    my ( $en, $de ) = @_;
    return { names => { en => $en, de => $de } };
}

my $eu = { code => 'EU', names => { en => 'Europe', de => 'Europa' } };

# network => [ country, city (undef: none), registered_country (optional) ]
my @networks = (
    [ '127.0.0.0/8',     country( 'DE', 'Germany',     'Deutschland' ),  city( 'Berlin',    'Berlin' ) ],
    [ '198.51.100.0/24', country( 'CH', 'Switzerland', 'Schweiz' ),      city( "Z\x{fc}rich", "Z\x{fc}rich" ) ],
    [ '203.0.113.0/24',  country( 'FR', 'France',      'Frankreich' ),   undef ],
    [ '::1/128',         country( 'NL', 'Netherlands', 'Niederlande' ),  city( 'Amsterdam', 'Amsterdam' ) ],
    [ '2001:db8::/32',   country( 'JP', 'Japan',       'Japan' ),        city( 'Tokyo',     'Tokio' ) ],
    # Only a registered country (as GeoLite2 has for some anycast networks).
    [ '100.64.0.0/10',   undef, undef, country( 'US', 'United States', 'USA' ) ],
);

sub write_db {
    my ( $file, $type, $ip_version, $with_city ) = @_;
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version               => $ip_version,
        record_size              => 24,
        database_type            => $type,
        languages                => [ 'en', 'de' ],
        description              => { en => "inlinks test database ($type)" },
        map_key_type_callback    => sub { $types{ $_[0] } },
        remove_reserved_networks => 0,    # the tests use loopback and documentation nets
        alias_ipv6_to_ipv4       => $ip_version == 6 ? 1 : 0,
    );
    for my $n (@networks) {
        my ( $net, $country, $city, $registered ) = @$n;
        next if $ip_version == 4 && $net =~ /:/;
        my %record = ( continent => $eu );
        $record{country}            = $country    if $country;
        $record{registered_country} = $registered // $country if $registered // $country;
        $record{city}               = $city       if $with_city && $city;
        $record{location} = { latitude => 52.52, longitude => 13.405 } if $with_city;
        $tree->insert_network( $net, \%record );
    }
    open my $fh, '>:raw', "$out/$file" or die "$0: cannot write $out/$file: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$0: cannot write $out/$file: $!\n";
}

write_db( 'city.mmdb',      'GeoLite2-City',    6, 1 );
write_db( 'country.mmdb',   'GeoLite2-Country', 6, 0 );
write_db( 'ipv4-city.mmdb', 'GeoLite2-City',    4, 1 );
