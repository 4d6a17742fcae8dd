<?xml version="1.0" encoding="UTF-8"?>
<!-- history.xsl: one page of the incident history, grouped by month, with links to newer and older pages. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:param name="page" select="1"/>
  <xsl:param name="pages" select="1"/>

  <xsl:template name="href">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n = 1">history.html</xsl:when>
      <xsl:otherwise>history-<xsl:value-of select="$n"/>.html</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/status">
    <html lang="en">
      <xsl:call-template name="head">
        <xsl:with-param name="title" select="concat('Incident history, page ', $page, ' | ', $product, ' status')"/>
      </xsl:call-template>
      <body>
        <xsl:call-template name="header"/>
        <main id="main">
          <h1>Incident history</h1>
          <p class="muted">Page <xsl:value-of select="$page"/> of <xsl:value-of select="$pages"/></p>
          <xsl:if test="not(incidents/incident)"><p>No incidents reported.</p></xsl:if>
          <xsl:for-each select="incidents/incident[not(@month = preceding-sibling::incident[1]/@month)]">
            <xsl:variable name="month" select="@month"/>
            <section class="month">
              <h2><xsl:value-of select="$month"/></h2>
              <ul class="hist">
                <xsl:for-each select="../incident[@month = $month]">
                  <li class="impact-{@impact}">
                    <a href="incidents/{@id}.html"><xsl:value-of select="name"/></a>
                    <span class="muted">
                      <xsl:text> </xsl:text>
                      <xsl:if test="@priority"><xsl:value-of select="@priority"/><xsl:text>, </xsl:text></xsl:if>
                      <xsl:call-template name="impact-words"><xsl:with-param name="i" select="@impact"/></xsl:call-template>
                      <xsl:text>, </xsl:text><xsl:value-of select="@status-label"/><xsl:text>, </xsl:text>
                      <xsl:call-template name="time"><xsl:with-param name="t" select="@created-at"/><xsl:with-param name="h" select="@created-at-h"/></xsl:call-template>
                    </span>
                  </li>
                </xsl:for-each>
              </ul>
            </section>
          </xsl:for-each>
          <nav class="pager" aria-label="History pages">
            <xsl:if test="$page &gt; 1">
              <a rel="prev"><xsl:attribute name="href"><xsl:call-template name="href"><xsl:with-param name="n" select="$page - 1"/></xsl:call-template></xsl:attribute>Newer incidents</a>
            </xsl:if>
            <xsl:if test="$page &lt; $pages">
              <a rel="next"><xsl:attribute name="href"><xsl:call-template name="href"><xsl:with-param name="n" select="$page + 1"/></xsl:call-template></xsl:attribute>Older incidents</a>
            </xsl:if>
          </nav>
        </main>
        <xsl:call-template name="footer"/>
      </body>
    </html>
  </xsl:template>

</xsl:stylesheet>
