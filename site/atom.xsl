<?xml version="1.0" encoding="UTF-8"?>
<!-- atom.xsl: history.atom, the newest incident updates as an RFC 4287 feed. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns="http://www.w3.org/2005/Atom">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:param name="root" select="''"/>
  <xsl:param name="page" select="1"/>
  <xsl:param name="pages" select="1"/>

  <xsl:variable name="u" select="/status/page/@url"/>
  <xsl:variable name="base" select="concat($u, substring('/', 1, number(substring($u, string-length($u)) != '/')))"/>

  <xsl:template match="/status">
    <feed>
      <title><xsl:value-of select="page/name"/> status: incident updates</title>
      <id><xsl:value-of select="$base"/>history.atom</id>
      <link rel="self" type="application/atom+xml" href="{$base}history.atom"/>
      <link rel="alternate" type="text/html" href="{$base}history.html"/>
      <updated>
        <xsl:value-of select="incidents/incident[1]/@updated-at"/>
        <xsl:if test="not(incidents/incident)">1970-01-01T00:00:00Z</xsl:if>
      </updated>
      <author><name><xsl:value-of select="page/company"/></name></author>
      <xsl:for-each select="incidents/incident/update">
        <xsl:sort select="@created-at" order="descending"/>
        <xsl:if test="position() &lt;= 50">
          <entry>
            <id><xsl:value-of select="../@url"/>#update-<xsl:value-of select="@id"/></id>
            <title><xsl:value-of select="../name"/>: <xsl:value-of select="@status-label"/></title>
            <link rel="alternate" type="text/html" href="{../@url}#update-{@id}"/>
            <published><xsl:value-of select="@created-at"/></published>
            <updated><xsl:value-of select="@created-at"/></updated>
            <content type="text"><xsl:value-of select="body"/></content>
          </entry>
        </xsl:if>
      </xsl:for-each>
    </feed>
  </xsl:template>
</xsl:stylesheet>
