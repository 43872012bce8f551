// NFO samples in the styles Kodi and Jellyfin (and tinyMediaManager) write.

export const kodiNfo = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- created on 2024-03-01 - tinyMediaManager 4.3.14 -->
<movie>
  <title>Amélie</title>
  <originaltitle>Le Fabuleux Destin d'Amélie Poulain</originaltitle>
  <sorttitle/>
  <ratings>
    <rating default="true" max="10" name="imdb">
      <value>8.3</value>
      <votes>781000</votes>
    </rating>
    <rating default="false" max="100" name="metacritic">
      <value>69</value>
      <votes>0</votes>
    </rating>
  </ratings>
  <year>2001</year>
  <plot><![CDATA[Amélie is an innocent & naive girl in Paris <with> her own sense of justice.]]></plot>
  <outline>Tom &amp; Jerry&#39;s &#x2603; cousin</outline>
  <uniqueid default="false" type="tmdb">194</uniqueid>
  <uniqueid default="true" type="imdb">tt0211915</uniqueid>
  <genre>Comedy</genre>
  <genre>Romance</genre>
  <country>France</country>
  <set>
    <name>None</name>
    <overview/>
  </set>
  <actor>
    <name>Audrey Tautou</name>
    <role>Amélie Poulain</role>
    <thumb>https://image.tmdb.org/t/p/h632/x.jpg</thumb>
    <profile>https://www.themoviedb.org/person/2405</profile>
  </actor>
  <fileinfo>
    <streamdetails>
      <video>
        <codec>h264</codec>
        <aspect>2.35</aspect>
        <width>1920</width>
        <height>816</height>
      </video>
      <audio>
        <codec>AC3</codec>
        <language>fra</language>
        <channels>6</channels>
      </audio>
    </streamdetails>
  </fileinfo>
  <!--tinyMediaManager meta data-->
  <source>BLURAY</source>
</movie>
`

export const jellyfinNfo = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<movie>
  <plot><![CDATA[A thief who steals corporate secrets through dream-sharing.]]></plot>
  <outline />
  <lockdata>false</lockdata>
  <dateadded>2023-01-05 21:14:08</dateadded>
  <title>Inception</title>
  <originaltitle>Inception</originaltitle>
  <actor>
    <name>Leonardo DiCaprio</name>
    <role>Cobb</role>
    <type>Actor</type>
    <sortorder>0</sortorder>
  </actor>
  <rating>8.4</rating>
  <year>2010</year>
  <mpaa>PG-13</mpaa>
  <imdbid>tt1375666</imdbid>
  <tmdbid>27205</tmdbid>
  <premiered>2010-07-15</premiered>
  <runtime>148</runtime>
  <genre>Action</genre>
  <genre>Science Fiction</genre>
  <genre>Adventure</genre>
  <studio>Legendary Pictures</studio>
  <uniqueid type="imdb">tt1375666</uniqueid>
  <uniqueid type="tmdb">27205</uniqueid>
  <fileinfo>
    <streamdetails>
      <video><codec>hevc</codec><width>3840</width></video>
    </streamdetails>
  </fileinfo>
</movie>`

export const lockedNfo = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<movie>
  <lockdata>true</lockdata>
  <title>Heat</title>
  <year>1995</year>
  <genre>Crime</genre>
</movie>
`

export const noGenreNfo = `<?xml version="1.0" encoding="UTF-8"?>\r\n<movie>\r\n\t<title>千と千尋の神隠し</title>\r\n\t<year>2001</year>\r\n\t<id>tt0245429</id>\r\n</movie>\r\n`

export const latin1Nfo = Buffer.from(
  `<?xml version="1.0" encoding="ISO-8859-1"?>\n<movie>\n  <title>Les Misérables</title>\n  <genre>Drame</genre>\n</movie>\n`,
  'latin1',
)

export const crlf = (s: string): string => s.replace(/\n/g, '\r\n')
export const withBom = (s: string): Buffer => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])
