<?xml version="1.0" encoding="UTF-8"?>
<!-- rss.xsl: history.rss, the newest incident updates as an RSS 2.0 channel. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:param name="root" select="''"/>
  <xsl:param name="page" select="1"/>
  <xsl:param name="pages" select="1"/>

  <xsl:variable name="u" select="/status/page/@url"/>
  <xsl:variable name="base" select="concat($u, substring('/', 1, number(substring($u, string-length($u)) != '/')))"/>

  <xsl:template match="/status">
    <rss version="2.0">
      <channel>
        <title><xsl:value-of select="page/name"/> status: incident updates</title>
        <link><xsl:value-of select="$base"/>history.html</link>
        <description>Incident updates for <xsl:value-of select="page/name"/> by <xsl:value-of select="page/company"/></description>
        <language>en</language>
        <atom:link rel="self" type="application/rss+xml" href="{$base}history.rss"/>
        <xsl:if test="incidents/incident">
          <lastBuildDate><xsl:value-of select="incidents/incident[1]/@updated-at-rfc822"/></lastBuildDate>
        </xsl:if>
        <xsl:for-each select="incidents/incident/update">
          <xsl:sort select="@created-at" order="descending"/>
          <xsl:if test="position() &lt;= 50">
            <item>
              <title><xsl:value-of select="../name"/>: <xsl:value-of select="@status-label"/></title>
              <link><xsl:value-of select="../@url"/>#update-<xsl:value-of select="@id"/></link>
              <guid isPermaLink="false"><xsl:value-of select="../@url"/>#update-<xsl:value-of select="@id"/></guid>
              <pubDate><xsl:value-of select="@created-at-rfc822"/></pubDate>
              <!-- Readers (npm feedparser, rss-parser, most aggregators) take the
                   description as HTML, so its text must be HTML whose text is the body:
                   libxslt's serializer escapes the body once ("&lt;script&gt;") and the
                   CDATA section keeps that escaped form as the description's text. The
                   section cannot be closed early: the serializer writes every ">" of
                   the body as "&gt;". -->
              <description>
                <xsl:text disable-output-escaping="yes">&lt;![CDATA[</xsl:text>
                <xsl:value-of select="body"/>
                <xsl:text disable-output-escaping="yes">]]&gt;</xsl:text>
              </description>
            </item>
          </xsl:if>
        </xsl:for-each>
      </channel>
    </rss>
  </xsl:template>
</xsl:stylesheet>
